import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { overrideEnv } from '@/server/env';
import { KEY_FILE_NAME, readOrCreateKeyFile, secretKey } from './key';
import { parseSecretKey } from './key-format';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-key-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the secret key file', () => {
  test('is generated once with mode 0600 and reused afterwards', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const first = readOrCreateKeyFile(dataDir);
    assert.equal(first.created, true);
    assert.equal(first.bytes.length, 32);
    const file = path.join(dataDir, KEY_FILE_NAME);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const second = readOrCreateKeyFile(dataDir);
    assert.equal(second.created, false);
    assert.deepEqual(second.bytes, first.bytes);
    assert.equal(second.id, first.id);
    assert.deepEqual(
      fs.readdirSync(dataDir),
      [KEY_FILE_NAME],
      'no temporary files are left behind',
    );
  });

  test('a damaged key file stops with a message naming it', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, KEY_FILE_NAME), 'not a key\n', { mode: 0o600 });
    assert.throws(
      () => readOrCreateKeyFile(dataDir),
      (err: Error) =>
        err.message.includes(path.join(dataDir, KEY_FILE_NAME)) &&
        /does not hold a 32-byte key/.test(err.message),
    );
  });
});

describe('PIPEWRIGHT_SECRET_KEY formats', () => {
  const bytes = randomBytes(32);
  test('hex and base64 (standard and URL-safe, with or without padding) give the same key', () => {
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      bytes.toString('base64'),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      assert.deepEqual(parseSecretKey(text), bytes, text);
    }
  });
  test('anything that is not exactly 32 bytes is refused', () => {
    for (const text of [
      '',
      'password',
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      bytes.toString('hex').slice(1),
      `${bytes.toString('base64')}!`,
    ]) {
      assert.equal(parseSecretKey(text), undefined, text);
    }
  });
});

describe('secretKey(): which key a process uses', () => {
  after(() => overrideEnv({ PIPEWRIGHT_SECRET_KEY: undefined, PIPEWRIGHT_DATA_DIR: undefined }));

  test('PIPEWRIGHT_SECRET_KEY wins over a key file in the data directory', () => {
    const dataDir = tempDir();
    const fromFile = readOrCreateKeyFile(dataDir);
    const fromEnv = randomBytes(32);
    overrideEnv({ PIPEWRIGHT_DATA_DIR: dataDir, PIPEWRIGHT_SECRET_KEY: fromEnv.toString('hex') });
    const key = secretKey();
    assert.deepEqual(key.bytes, fromEnv);
    assert.equal(key.source, 'PIPEWRIGHT_SECRET_KEY');
    assert.notEqual(key.id, fromFile.id);
    // Unset, the same process falls back to the file.
    overrideEnv({ PIPEWRIGHT_SECRET_KEY: undefined });
    const file = secretKey();
    assert.deepEqual(file.bytes, fromFile.bytes);
    assert.equal(file.source, path.join(dataDir, KEY_FILE_NAME));
  });

  test('with PIPEWRIGHT_SECRET_KEY set, no key file is generated', () => {
    const dataDir = tempDir();
    overrideEnv({
      PIPEWRIGHT_DATA_DIR: dataDir,
      PIPEWRIGHT_SECRET_KEY: randomBytes(32).toString('base64'),
    });
    assert.equal(secretKey().source, 'PIPEWRIGHT_SECRET_KEY');
    assert.deepEqual(fs.readdirSync(dataDir), []);
  });
});
