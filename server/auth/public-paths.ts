/** Set by proxy.ts on page requests: the path and query being rendered. */
export const PATH_HEADER = 'x-pipewright-path';

/**
 * Pages anyone may open without signing in. Everything else sends a
 * signed-out visitor to /sign-in (or, on a fresh instance, to /sign-up).
 * API routes guard themselves (tRPC procedures, authorizeRequest).
 */
const PUBLIC_PAGE_PREFIXES = ['/sign-in', '/sign-up', '/invite/', '/share/'];

export function isPublicPage(path: string): boolean {
  const pathname = path.split('?')[0] ?? '/';
  return PUBLIC_PAGE_PREFIXES.some((prefix) =>
    prefix.endsWith('/')
      ? pathname.startsWith(prefix)
      : pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
}

/** Only our own relative paths may be a `?next=` target (no open redirects). */
export function safeNextPath(value: string | null | undefined): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}
