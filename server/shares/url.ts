import { env } from '@/server/env';

/**
 * The address of a share link: under PIPEWRIGHT_PUBLIC_URL when the operator
 * set it (behind a proxy the request's own origin may be an internal one),
 * else the origin the request came to, else the default public URL.
 */
export function shareUrl(token: string, requestOrigin?: string): string {
  const configured = env().PIPEWRIGHT_PUBLIC_URL?.replace(/\/+$/, '');
  const origin = configured ?? requestOrigin?.replace(/\/+$/, '') ?? env().publicUrl;
  return `${origin}/share/${token}`;
}
