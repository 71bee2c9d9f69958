import { createHash, randomBytes } from 'node:crypto';

/** 256 bits: guessing a live link is out of reach. */
export const SHARE_TOKEN_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** What the database keeps instead of the token. */
export function hashShareToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh token and its hash; the token itself is shown once and never stored. */
export function mintShareToken(): { token: string; tokenHash: string } {
  const token = randomBytes(SHARE_TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashShareToken(token) };
}
