/**
 * "No stack traces to anonymous users", where it can go wrong: tRPC puts a
 * stack in error answers outside production (this test runs with
 * NODE_ENV=test, so it would), and a share-link reader is anonymous yet
 * reaches a procedure that queries the database. Here the database throws
 * an unexpected error (with a stack full of file paths): the anonymous
 * share reader's answer carries neither the stack nor the message, while
 * the same failure for a signed-in member does carry a stack — which shows
 * the check would catch one.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { contextFor } from '@/server/api/trpc';
import type { Caller } from '@/server/auth/caller';
import type { Runtime } from '@/server/runtime';

const INTERNAL_DETAIL = 'connection to /var/lib/postgresql/secret-host.sock refused';

/** A runtime whose database fails the way a broken server would: an unexpected error. */
const brokenRuntime = new Proxy({} as Runtime, {
  get(_target, key) {
    if (key === 'db') {
      return new Proxy(
        {},
        {
          get() {
            throw new Error(INTERNAL_DETAIL);
          },
        },
      );
    }
    throw new Error(`runtime.${String(key)} is not part of this test`);
  },
});

const viewer: Caller = {
  kind: 'user',
  user: { id: 'user-viewer', name: 'A viewer', email: 'viewer@example.com' },
  role: 'viewer',
  via: 'session',
};

async function answer(caller: Caller, procedure: string, input: unknown) {
  const url = `http://127.0.0.1/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const consoleError = console.error;
  console.error = () => {}; // the API logs the internal error; expected here
  try {
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(url),
      router: appRouter,
      createContext: () => contextFor(brokenRuntime, caller),
    });
    return { status: response.status, body: await response.text() };
  } finally {
    console.error = consoleError;
  }
}

/** What a stack or internals look like in an answer. */
const LEAKS = /"stack"|\.tsx?:\d+|node_modules|\n\s+at |secret-host/;

describe('error answers', () => {
  const runId = randomUUID();
  const share = randomBytes(32).toString('base64url');

  test('an anonymous share-link reader gets a bare INTERNAL error: no stack, no message, no paths', async () => {
    const { status, body } = await answer({ kind: 'anonymous' }, 'runs.get', { id: runId, share });
    assert.equal(status, 500);
    const parsed = JSON.parse(body) as { error: { json: { message: string; data: unknown } } };
    assert.equal(parsed.error.json.message, 'Internal error; the server log has details');
    assert.doesNotMatch(body, LEAKS);
  });

  test('a malformed request from an anonymous caller: no stack either', async () => {
    const url = 'http://127.0.0.1/api/trpc/runs.get?input=%7Bnot%20json';
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(url),
      router: appRouter,
      createContext: () => contextFor(brokenRuntime, { kind: 'anonymous' }),
    });
    const body = await response.text();
    assert.equal(response.status, 400);
    assert.doesNotMatch(body, LEAKS);
  });

  test('the same failure for a signed-in member does carry a stack outside production', async () => {
    const { status, body } = await answer(viewer, 'runs.get', { id: runId });
    assert.equal(status, 500);
    assert.match(body, /"stack"/, 'stacks are sent in this mode, so the checks above can fail');
    assert.doesNotMatch(body, /secret-host/, 'the message itself is never passed on');
  });
});
