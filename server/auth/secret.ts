import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { env } from '@/server/env';

let cached: string | undefined;

/**
 * The key better-auth signs session cookies with: PIPEWRIGHT_AUTH_SECRET, or
 * one generated on first use into `<data dir>/auth-secret` (mode 0600) and
 * read back on every later start, so sessions survive restarts.
 */
export function authSecret(): string {
  if (cached) return cached;
  const config = env();
  if (config.PIPEWRIGHT_AUTH_SECRET) {
    cached = config.PIPEWRIGHT_AUTH_SECRET;
    return cached;
  }
  const file = path.join(config.dataDir, 'auth-secret');
  mkdirSync(config.dataDir, { recursive: true });
  // Written aside, then linked into place: when two processes start at
  // once, one link wins and both read the same complete file.
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(draft, { force: true });
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) {
    throw new Error(`${file} holds no usable secret (32+ characters); delete it to make a new one`);
  }
  cached = secret;
  return cached;
}
