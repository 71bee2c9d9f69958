import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noSecrets, SECRET_MASK, SecretRedactor } from './redactor';

describe('SecretRedactor', () => {
  const secret = 'p@ss w0rd/"x"+y';
  const redactor = new SecretRedactor([secret]);

  test('masks the value as written and in its common encodings', () => {
    for (const text of [
      `token=${secret}`,
      `https://h/?t=${encodeURIComponent(secret)}`,
      `form: t=${new URLSearchParams({ t: secret }).toString().slice(2)}`,
      `json: ${JSON.stringify({ t: secret })}`,
      `b64: ${Buffer.from(secret).toString('base64')}`,
      `b64url: ${Buffer.from(secret).toString('base64url')}`,
    ]) {
      const out = redactor.text(text);
      assert.ok(out.includes(SECRET_MASK), `${text} → ${out}`);
      assert.ok(!out.includes(secret), out);
    }
  });

  test('masks a password inside Basic auth whatever the user name', () => {
    for (const user of ['a', 'ab', 'abc', 'someone@example.com']) {
      const header = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      const out = redactor.text(header);
      assert.ok(out.includes(SECRET_MASK), `${user}: ${out}`);
      // What is left cannot be decoded back to the password.
      const rest = out.replace('Basic ', '').split(SECRET_MASK).join('');
      assert.ok(!Buffer.from(rest, 'base64').toString('utf8').includes('w0rd'), out);
    }
  });

  test('walks values: strings, keys, arrays; leaves other values alone', () => {
    const value = {
      headers: { authorization: `Bearer ${secret}` },
      list: [secret, 1, true, null],
      [secret]: 'as a key',
    };
    assert.deepEqual(redactor.value(value), {
      headers: { authorization: `Bearer ${SECRET_MASK}` },
      list: [SECRET_MASK, 1, true, null],
      [SECRET_MASK]: 'as a key',
    });
    assert.deepEqual(redactor.error({ message: `bad ${secret}`, stack: `Error: bad ${secret}` }), {
      message: `bad ${SECRET_MASK}`,
      stack: `Error: bad ${SECRET_MASK}`,
    });
  });

  test('a longer secret containing a shorter one is masked whole', () => {
    const both = new SecretRedactor(['abc123', 'xxabc123yy']);
    assert.equal(both.text('[xxabc123yy] [abc123]'), `[${SECRET_MASK}] [${SECRET_MASK}]`);
  });

  test('without secrets nothing changes, and the same object comes back', () => {
    const value = { a: 'b' };
    assert.equal(noSecrets.value(value), value);
    assert.equal(noSecrets.active, false);
    assert.equal(new SecretRedactor(['']).active, false);
  });
});
