import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters, safe in a URL path. */
export function newWebhookToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashWebhookToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Anything else cannot be one of ours; it is refused before the database is asked. */
export function isWellFormedWebhookToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** Constant-time comparison, so response timing says nothing about how close a guess was. */
export function sameWebhookToken(stored: string, given: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Where a token's webhook is served, on the address teammates use. */
export function webhookPath(token: string): string {
  return `/api/hooks/${token}`;
}
