import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets (invite links, API keys, and share and webhook tokens):
 * 32 random bytes, base64url, behind a short readable prefix. Only their
 * sha256 is stored; a high-entropy token needs no slow hash.
 */
export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Compares two secrets without leaking, through timing, how much of them
 * matched. Both sides are hashed first, so the lengths are always equal.
 */
export function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
