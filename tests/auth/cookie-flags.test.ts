/**
 * Session cookie flags, through better-auth's own handler as configured by
 * createAuth: behind an https public URL the cookie is `Secure` (and named
 * with the `__Secure-` prefix browsers enforce), always `HttpOnly` and
 * `SameSite=Lax`; on a plain-http URL (the local default) it cannot be
 * Secure, or browsers would drop it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAuth } from '@/server/auth/auth';
import { overrideEnv } from '@/server/env';
import { TEST_PASSWORD } from '../helpers/auth';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-cookies-'));

before(async () => {
  tdb = await createTestDatabase();
});

after(async () => {
  overrideEnv({ PIPEWRIGHT_PUBLIC_URL: undefined, PIPEWRIGHT_DATA_DIR: undefined });
  await tdb?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The session cookie's Set-Cookie line of a better-auth answer, split into its attributes. */
function sessionCookie(response: Response) {
  const line = response.headers.getSetCookie().find((l) => /session_token=/.test(l));
  assert.ok(line, `a session cookie in ${JSON.stringify(response.headers.getSetCookie())}`);
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return {
    name: pair!.split('=')[0]!,
    attributes: new Set(attributes.map((a) => a.toLowerCase())),
  };
}

/** A POST to better-auth as our own pages send it, to an app served at `publicUrl`. */
async function post(publicUrl: string, endpoint: string, body: unknown): Promise<Response> {
  overrideEnv({ PIPEWRIGHT_PUBLIC_URL: publicUrl, PIPEWRIGHT_DATA_DIR: dataDir });
  const auth = createAuth(tdb.db);
  const request = new Request(`${publicUrl}/api/auth${endpoint}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: publicUrl,
      'x-pipewright-client-ip': '127.0.0.1',
    },
    body: JSON.stringify(body),
  });
  return auth.handler(request);
}

describe('the session cookie', () => {
  const owner = { name: 'Olivia Owner', email: 'owner@example.com', password: TEST_PASSWORD };

  test('behind https: Secure, HttpOnly, SameSite=Lax, __Secure- name (sign-up and sign-in)', async () => {
    const publicUrl = 'https://127.0.0.1:8443';
    const signUp = await post(publicUrl, '/sign-up/email', owner);
    assert.equal(signUp.status, 200, await signUp.clone().text());
    const signIn = await post(publicUrl, '/sign-in/email', {
      email: owner.email,
      password: owner.password,
    });
    assert.equal(signIn.status, 200, await signIn.clone().text());
    for (const response of [signUp, signIn]) {
      const cookie = sessionCookie(response);
      assert.equal(cookie.name, '__Secure-pipewright.session_token');
      assert.ok(cookie.attributes.has('secure'), [...cookie.attributes].join('; '));
      assert.ok(cookie.attributes.has('httponly'), [...cookie.attributes].join('; '));
      assert.ok(cookie.attributes.has('samesite=lax'), [...cookie.attributes].join('; '));
    }
  });

  test('on plain http: HttpOnly and SameSite=Lax, not Secure', async () => {
    const response = await post('http://127.0.0.1:3000', '/sign-in/email', {
      email: owner.email,
      password: owner.password,
    });
    assert.equal(response.status, 200, await response.clone().text());
    const cookie = sessionCookie(response);
    assert.equal(cookie.name, 'pipewright.session_token');
    assert.ok(!cookie.attributes.has('secure'), [...cookie.attributes].join('; '));
    assert.ok(cookie.attributes.has('httponly'));
    assert.ok(cookie.attributes.has('samesite=lax'));
  });
});
