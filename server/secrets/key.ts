import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { env } from '@/server/env';
import { parseSecretKey, SECRET_KEY_BYTES } from './key-format';

export interface SecretKey {
  bytes: Buffer;
  /** A fingerprint (not the key): stored with each value to tell keys apart. */
  id: string;
  /** Where it came from, for messages. */
  source: string;
  /** True only for the call that generated the key file. */
  created: boolean;
}

export const KEY_FILE_NAME = 'secret.key';

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export function keyId(bytes: Buffer): string {
  return createHash('sha256')
    .update('pipewright-secret-key')
    .update(bytes)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The key file in the data directory: read if it exists, else generated
 * once with mode 0600. Written to a temporary file and hard-linked into
 * place, so two processes starting together agree on one key and neither
 * ever reads a half-written file.
 */
export function readOrCreateKeyFile(dataDir: string): SecretKey {
  const file = path.join(dataDir, KEY_FILE_NAME);
  const existing = readKeyFile(file);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  const bytes = randomBytes(SECRET_KEY_BYTES);
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temporary, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process won the race: use its key.
    const theirs = readKeyFile(file);
    if (!theirs) throw new SecretKeyError(`${file} could not be read after it was created`);
    return theirs;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  return { bytes, id: keyId(bytes), source: file, created: true };
}

function readKeyFile(file: string): SecretKey | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const bytes = parseSecretKey(text);
  if (!bytes) {
    throw new SecretKeyError(
      `${file} does not hold a 32-byte key (base64). Restore it from a backup: secrets saved with the old key cannot be read without it.`,
    );
  }
  return { bytes, id: keyId(bytes), source: file, created: false };
}

const cache = new Map<string, SecretKey>();

/**
 * This process's secret key: PIPEWRIGHT_SECRET_KEY, else the key file in the
 * data directory (generated on first use). Every process that shares a
 * database must use the same key; on one machine they share the file.
 */
export function secretKey(): SecretKey {
  const config = env();
  if (config.PIPEWRIGHT_SECRET_KEY) {
    const bytes = config.PIPEWRIGHT_SECRET_KEY;
    return { bytes, id: keyId(bytes), source: 'PIPEWRIGHT_SECRET_KEY', created: false };
  }
  const known = cache.get(config.dataDir);
  if (known) return known;
  const key = readOrCreateKeyFile(config.dataDir);
  cache.set(config.dataDir, { ...key, created: false });
  return key;
}
