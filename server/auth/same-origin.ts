import { env } from '@/server/env';

/**
 * The header the custom server (server/serve.ts) sets to the TCP peer's
 * address, replacing anything a client sent; the sign-in rate limit keys on it.
 */
export const CLIENT_IP_HEADER = 'x-pipewright-client-ip';

/**
 * The origins a browser page of this app can have: the public URL, and the
 * host the request itself was addressed to (so `http://127.0.0.1:3000`
 * works as well as `http://localhost:3000`). A cross-site attacker cannot
 * choose the Host header of a victim's request, so this is a same-origin check.
 */
export function appOrigins(request: Request | Headers): string[] {
  const headers = request instanceof Headers ? request : request.headers;
  const origins = new Set<string>([new URL(env().publicUrl).origin]);
  const host = headers.get('host');
  if (host) {
    origins.add(`http://${host}`);
    origins.add(`https://${host}`);
  }
  return [...origins];
}

/**
 * CSRF defence for requests authenticated by the session cookie: a
 * state-changing request must come from one of our own pages. Browsers send
 * `Sec-Fetch-Site` (and `Origin` on every POST); a request with neither
 * (not a browser, or a very old one) is refused too, since cookies alone
 * must never authorise a change. Bearer API keys are not ambient
 * credentials and skip this check.
 */
export function isSameOriginRequest(headers: Headers): boolean {
  const fetchSite = headers.get('sec-fetch-site');
  const origin = headers.get('origin');
  if (fetchSite && fetchSite !== 'same-origin') return false;
  if (origin) return appOrigins(headers).includes(origin);
  return fetchSite === 'same-origin';
}
