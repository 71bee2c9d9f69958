/** Pretty JSON for the editor. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A one-line preview for the table. */
export function previewJson(value: unknown, max = 80): string {
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Parses what was typed; a problem says where (line and column), so the
 * message can point at the spot in the editor.
 */
export function parseJsonText(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: false, message: 'Value is required (any JSON value)' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(raw);
    if (!position) return { ok: false, message: `Value is not valid JSON: ${raw}` };
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    const why = raw.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line.*$/, '');
    return {
      ok: false,
      message: `Value is not valid JSON at line ${line}, column ${column}: ${why}`,
    };
  }
}
