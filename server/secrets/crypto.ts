import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretKey } from './key';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

export interface EncryptedValue {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  keyId: string;
}

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/**
 * AES-256-GCM with a fresh random IV per value. The name is authenticated
 * data: a ciphertext copied onto another secret's row fails to decrypt
 * instead of handing out the wrong value.
 */
export function encryptSecret(key: SecretKey, name: string, plaintext: string): EncryptedValue {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag(), keyId: key.id };
}

export function decryptSecret(key: SecretKey, name: string, value: EncryptedValue): string {
  if (value.keyId !== key.id) {
    throw new SecretDecryptionError(
      `secret "${name}" was saved with another key (key id ${value.keyId}; this process has ${key.id} from ${key.source}): every Pipewright process sharing a database needs the same PIPEWRIGHT_SECRET_KEY`,
    );
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, value.iv);
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(value.tag);
    return Buffer.concat([decipher.update(value.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      `secret "${name}" failed its integrity check: the stored value was altered or damaged; set it again`,
    );
  }
}
