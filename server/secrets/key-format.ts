/** Bytes in an AES-256 key. */
export const SECRET_KEY_BYTES = 32;

/**
 * A 32-byte key written as 64 hex characters or as base64 (standard or
 * URL-safe, padding optional); undefined for anything else, so a typo is
 * refused at start rather than turned into a different key.
 */
export function parseSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === SECRET_KEY_BYTES ? bytes : undefined;
}
