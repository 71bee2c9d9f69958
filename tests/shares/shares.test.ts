/**
 * Share links against a real database and worker: a minted token carries
 * 256 random bits and only its hash is stored; a token reads its own run
 * (get, logs, for-each items) and nothing else; expired and revoked links
 * are NOT_FOUND everywhere in tRPC; unknown runs and links are NOT_FOUND
 * by name; the URL follows PIPEWRIGHT_PUBLIC_URL, else the request origin.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { runShares } from '@/db/schema';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { env, overrideEnv } from '@/server/env';
import { findActiveShare } from '@/server/shares/resolve';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';

let engine: TestEngine;
/** The shared run and another run nobody shared; both have a for-each. */
let sharedRunId: string;
let otherRunId: string;

const flow = (name: string) => ({
  version: 1 as const,
  name,
  nodes: [
    {
      id: 'hello',
      type: 'code',
      config: { source: 'log.info("hello from the task"); return 1;' },
    },
    {
      id: 'each',
      type: 'for-each',
      config: { items: [1, 2, 3], task: { type: 'code', config: { source: 'return item * 2;' } } },
    },
  ],
  edges: [],
});

const tokenOf = (url: string) => {
  const match = /\/share\/([^/?#]+)$/.exec(url);
  assert.ok(match, `${url} is a /share/<token> URL`);
  return match[1]!;
};

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TRPCError, `a TRPCError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

before(async () => {
  engine = await startTestEngine();
  sharedRunId = await engine.run(flow('Shared'));
  otherRunId = await engine.run(flow('Private'));
  for (const id of [sharedRunId, otherRunId]) {
    const run = await engine.waitForRun(id, 90_000);
    assert.equal(run.state, 'completed');
  }
});

after(async () => {
  await engine?.close();
});

describe('minting', () => {
  test('a token is 32 random bytes (base64url) and only its SHA-256 is stored', async () => {
    const first = await engine.api.shares.create({ runId: sharedRunId });
    const second = await engine.api.shares.create({ runId: sharedRunId });
    const token = tokenOf(first.url);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32, 'at least 128 bits: 256');
    assert.notEqual(tokenOf(second.url), token);
    assert.equal(first.expiresAt, null);

    const rows = await engine.tdb.db.select().from(runShares).where(eq(runShares.id, first.id));
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.tokenHash, createHash('sha256').update(token).digest('hex'));
    assert.ok(
      !Object.values(row).some((v) => typeof v === 'string' && v.includes(token)),
      'the token itself is in no column',
    );
  });

  test('an expiry is set by the database clock; a bad one names the field', async () => {
    const before = Date.now();
    const share = await engine.api.shares.create({ runId: sharedRunId, expiresInHours: 24 });
    assert.ok(share.expiresAt);
    const expected = before + 24 * 3600_000;
    assert.ok(Math.abs(share.expiresAt.getTime() - expected) < 60_000, String(share.expiresAt));
    await rejects(
      engine.api.shares.create({ runId: sharedRunId, expiresInHours: 0 }),
      'BAD_REQUEST',
      /expiresInHours|more than 0/,
    );
  });

  test('an unknown run is NOT_FOUND, naming it', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await rejects(
      engine.api.shares.create({ runId: missing }),
      'NOT_FOUND',
      new RegExp(`Run ${missing}`),
    );
    await rejects(engine.api.shares.list({ runId: missing }), 'NOT_FOUND', new RegExp(missing));
    await rejects(engine.api.shares.revoke({ id: missing }), 'NOT_FOUND', /Share link/);
  });

  test('the URL uses PIPEWRIGHT_PUBLIC_URL when set, else the origin the request came to', async () => {
    const saved = env().PIPEWRIGHT_PUBLIC_URL;
    const request = new Request('http://127.0.0.1:4555/api/trpc/shares.create', {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:4555' },
    });
    const caller = createCaller({
      ...systemContext(engine.booted.runtime),
      requestOrigin: new URL(request.url).origin,
    });
    try {
      overrideEnv({ PIPEWRIGHT_PUBLIC_URL: undefined });
      const fromRequest = await caller.shares.create({ runId: sharedRunId });
      assert.match(fromRequest.url, /^http:\/\/127\.0\.0\.1:4555\/share\/[A-Za-z0-9_-]{43}$/);
      overrideEnv({ PIPEWRIGHT_PUBLIC_URL: 'https://pipes.example.com/' });
      const configured = await caller.shares.create({ runId: sharedRunId });
      assert.match(configured.url, /^https:\/\/pipes\.example\.com\/share\/[A-Za-z0-9_-]{43}$/);
    } finally {
      overrideEnv({ PIPEWRIGHT_PUBLIC_URL: saved });
    }
  });
});

describe('reading through a link', () => {
  test('a token reads its own run: get, logs and for-each items', async () => {
    const share = tokenOf((await engine.api.shares.create({ runId: sharedRunId })).url);
    const run = await engine.api.runs.get({ id: sharedRunId, share });
    assert.equal(run.id, sharedRunId);
    assert.equal(run.state, 'completed');
    const logs = await engine.api.runs.logs({ runId: sharedRunId, share });
    assert.ok(logs.some((l) => l.message === 'hello from the task'));
    const items = await engine.api.runs.items({ taskRunId: taskOf(run, 'each').id, share });
    assert.deepEqual(
      items.map((i) => i.output),
      [2, 4, 6],
    );
  });

  test('…and nothing of any other run', async () => {
    const share = tokenOf((await engine.api.shares.create({ runId: sharedRunId })).url);
    const other = await engine.api.runs.get({ id: otherRunId });
    await rejects(engine.api.runs.get({ id: otherRunId, share }), 'NOT_FOUND', /share link/);
    await rejects(engine.api.runs.logs({ runId: otherRunId, share }), 'NOT_FOUND', /share link/);
    await rejects(
      engine.api.runs.items({ taskRunId: taskOf(other, 'each').id, share }),
      'NOT_FOUND',
      /share link/,
    );
  });

  test('a made-up token is NOT_FOUND, like a dead one', async () => {
    await rejects(
      engine.api.runs.get({ id: sharedRunId, share: 'A'.repeat(43) }),
      'NOT_FOUND',
      /does not exist, was revoked, or has expired/,
    );
    await rejects(engine.api.runs.get({ id: sharedRunId, share: 'x' }), 'NOT_FOUND');
  });

  test('a token differing in one character is refused, wherever the difference is', async () => {
    const token = tokenOf((await engine.api.shares.create({ runId: sharedRunId })).url);
    assert.equal((await engine.api.runs.get({ id: sharedRunId, share: token })).id, sharedRunId);
    for (const at of [0, 21, 42]) {
      const near = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      await rejects(engine.api.runs.get({ id: sharedRunId, share: near }), 'NOT_FOUND');
      assert.equal(await findActiveShare(engine.tdb.db, near), null, `differs at ${at}`);
    }
    // Case is part of the token: base64url is case-sensitive, and so is the lookup.
    const flipped = token.replace(/[a-z]/, (c) => c.toUpperCase());
    if (flipped !== token) assert.equal(await findActiveShare(engine.tdb.db, flipped), null);
  });

  test('an expired link is refused and no longer listed', async () => {
    const share = await engine.api.shares.create({ runId: sharedRunId, expiresInHours: 1 });
    const token = tokenOf(share.url);
    assert.equal((await engine.api.runs.get({ id: sharedRunId, share: token })).id, sharedRunId);
    await engine.tdb.db
      .update(runShares)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(runShares.id, share.id));
    await rejects(engine.api.runs.get({ id: sharedRunId, share: token }), 'NOT_FOUND');
    await rejects(engine.api.runs.logs({ runId: sharedRunId, share: token }), 'NOT_FOUND');
    assert.equal(await findActiveShare(engine.tdb.db, token), null);
    const listed = await engine.api.shares.list({ runId: sharedRunId });
    assert.ok(!listed.some((l) => l.id === share.id));
  });

  test('a revoked link is refused everywhere and no longer listed; revoking twice is harmless', async () => {
    const share = await engine.api.shares.create({ runId: sharedRunId });
    const token = tokenOf(share.url);
    assert.ok(
      (await engine.api.shares.list({ runId: sharedRunId })).some((l) => l.id === share.id),
    );
    const revoked = await engine.api.shares.revoke({ id: share.id });
    assert.equal(revoked.runId, sharedRunId);
    assert.ok(revoked.revokedAt instanceof Date);
    await rejects(engine.api.runs.get({ id: sharedRunId, share: token }), 'NOT_FOUND');
    await rejects(engine.api.runs.logs({ runId: sharedRunId, share: token }), 'NOT_FOUND');
    const run = await engine.api.runs.get({ id: sharedRunId });
    await rejects(
      engine.api.runs.items({ taskRunId: taskOf(run, 'each').id, share: token }),
      'NOT_FOUND',
    );
    assert.equal(await findActiveShare(engine.tdb.db, token), null);
    assert.ok(
      !(await engine.api.shares.list({ runId: sharedRunId })).some((l) => l.id === share.id),
    );
    const again = await engine.api.shares.revoke({ id: share.id });
    assert.equal(again.revokedAt.getTime(), revoked.revokedAt.getTime());
  });
});
