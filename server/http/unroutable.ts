/** The methods Next.js routes; it fails on any other with a 500 (TRACE) or a bare 400. */
const ROUTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface Refusal {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/**
 * Requests refused before they reach Next.js, which would answer them with
 * a 500: a method it does not route, or a path with a broken
 * percent-encoding (`%ZZ`, `%C0%AE`, an encoded lone surrogate), which it
 * fails to decode. Null for everything else.
 */
export function unroutableRequest(
  method: string | undefined,
  url: string | undefined,
): Refusal | null {
  if (!method || !ROUTED_METHODS.has(method)) {
    const allow = [...ROUTED_METHODS].join(', ');
    return {
      status: 405,
      message: `The method ${method} is not supported (use ${allow})`,
      headers: { allow },
    };
  }
  const path = (url ?? '/').split('?')[0] ?? '/';
  try {
    decodeURIComponent(path);
  } catch {
    return {
      status: 400,
      message:
        'The address is malformed: a "%" in its path is not the start of a valid UTF-8 escape',
      headers: {},
    };
  }
  return null;
}
