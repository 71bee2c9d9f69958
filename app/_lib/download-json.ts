/** Characters that are not allowed in file names on common systems. */
const UNSAFE_FILE_NAME = /[\\/:*?"<>|]+/g;
const CONTROL_CHARACTERS = /\p{Cc}+/gu;

export function jsonFileName(name: string): string {
  const safe = name.replace(CONTROL_CHARACTERS, '').replace(UNSAFE_FILE_NAME, '-').trim();
  return `${safe || 'flow'}.json`;
}

/** Saves `data` as pretty-printed JSON through the browser's download. */
export function downloadJson(fileName: string, data: unknown): void {
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke on the next tick: Chromium reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
