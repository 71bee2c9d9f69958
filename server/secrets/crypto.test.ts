import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { decryptSecret, encryptSecret, SecretDecryptionError } from './crypto';
import { keyId, type SecretKey } from './key';

function makeKey(): SecretKey {
  const bytes = randomBytes(32);
  return { bytes, id: keyId(bytes), source: 'test', created: false };
}

describe('secret encryption (AES-256-GCM)', () => {
  const key = makeKey();

  test('round-trips a value, with a fresh IV each time', () => {
    const value = 'Bearer tok_✓_ünïcode "quoted" \\ and more';
    const a = encryptSecret(key, 'API_TOKEN', value);
    const b = encryptSecret(key, 'API_TOKEN', value);
    assert.equal(a.iv.length, 12);
    assert.equal(a.tag.length, 16);
    assert.notDeepEqual(a.iv, b.iv);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
    assert.ok(!a.ciphertext.toString('utf8').includes('tok_'), 'the ciphertext is not the text');
    assert.equal(a.keyId, key.id);
    assert.equal(decryptSecret(key, 'API_TOKEN', a), value);
    assert.equal(decryptSecret(key, 'API_TOKEN', b), value);
  });

  test('a tampered ciphertext, tag or IV fails the integrity check with a clear error', () => {
    const sealed = encryptSecret(key, 'DB_URL', 'postgres://u:p@h/db');
    const flipped = (buf: Buffer) => {
      const copy = Buffer.from(buf);
      copy[0] = copy[0]! ^ 1;
      return copy;
    };
    for (const tampered of [
      { ...sealed, ciphertext: flipped(sealed.ciphertext) },
      { ...sealed, tag: flipped(sealed.tag) },
      { ...sealed, iv: flipped(sealed.iv) },
    ]) {
      assert.throws(
        () => decryptSecret(key, 'DB_URL', tampered),
        (err: Error) =>
          err instanceof SecretDecryptionError &&
          /secret "DB_URL" failed its integrity check/.test(err.message),
      );
    }
  });

  test('a value moved onto another name does not decrypt', () => {
    const sealed = encryptSecret(key, 'A', 'value-of-a');
    assert.throws(() => decryptSecret(key, 'B', sealed), /secret "B" failed its integrity check/);
  });

  test('a value saved with another key names both keys, never the value', () => {
    const other = makeKey();
    const sealed = encryptSecret(other, 'TOKEN', 'super-secret-value');
    assert.throws(
      () => decryptSecret(key, 'TOKEN', sealed),
      (err: Error) =>
        err.message.includes(other.id) &&
        err.message.includes(key.id) &&
        err.message.includes('PIPEWRIGHT_SECRET_KEY') &&
        !err.message.includes('super-secret-value'),
    );
  });
});
