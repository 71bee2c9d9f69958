/** `scheme://user:password@` in any URL inside a text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@]*@/gi;

/**
 * The password of a connection URL in every form it may show up in a
 * message: as written (percent-encoded), decoded, and as a query parameter.
 */
export function connectionSecrets(connection: string): string[] {
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    return [];
  }
  const secrets = new Set<string>();
  if (url.password) {
    secrets.add(url.password);
    try {
      secrets.add(decodeURIComponent(url.password));
    } catch {
      // Not valid percent-encoding: the raw form is already listed.
    }
  }
  const fromQuery = url.searchParams.get('password');
  if (fromQuery) secrets.add(fromQuery);
  return [...secrets].filter((s) => s !== '');
}

/** Masks URL credentials and the given secrets, for logs and error messages. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_CREDENTIALS, '$1:***@');
  // Longest first, so a secret containing a shorter one is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('***');
  }
  return out;
}

/**
 * A resolved config as it is stored for the run page: credentials inside
 * URLs (a SQL connection, basic auth in an HTTP URL) are masked everywhere.
 */
export function redactConfigForDisplay(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactConfigForDisplay);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactConfigForDisplay(v)]),
    );
  }
  return value;
}
