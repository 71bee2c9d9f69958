import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { withDatabase } from '@/db/embedded';
import { env } from '@/server/env';
import { type RunningApp, startApp } from '../helpers/app';
import { type Session, signUpOwner } from '../helpers/auth';

async function trpc(
  app: RunningApp,
  session: Session,
  proc: string,
  input: unknown,
  method: 'GET' | 'POST' = 'POST',
) {
  const url =
    method === 'GET'
      ? `${app.url}/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`
      : `${app.url}/api/trpc/${proc}`;
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', cookie: session.cookie, origin: app.url },
    body: method === 'POST' ? JSON.stringify({ json: input }) : undefined,
  });
  const body = (await res.json()) as { result?: { data: { json: unknown } }; error?: unknown };
  if (!res.ok) throw new Error(`${proc} → ${res.status}: ${JSON.stringify(body.error)}`);
  return body.result!.data.json;
}

async function health(app: RunningApp) {
  const res = await fetch(`${app.url}/api/health`);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, { ok: boolean; embedded?: boolean }>,
  };
}

describe('npm start with no DATABASE_URL (embedded PostgreSQL)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-start-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: '', PIPEWRIGHT_DATA_DIR: dataDir };

  test('boots the embedded database, keeps flows across restarts and shuts down cleanly', async () => {
    const first = await startApp(env);
    let session: Session;
    try {
      const h = await health(first);
      assert.equal(h.status, 200, JSON.stringify(h.body));
      assert.equal(h.body.database?.embedded, true);
      assert.equal(h.body.queue?.ok, true);
      session = await signUpOwner(first);
      await trpc(first, session, 'flows.create', { name: 'Survives restarts' });

      // A second instance on the same data directory refuses with a clear message.
      const second = startApp(env);
      await assert.rejects(second, /already in use by another process.*PIPEWRIGHT_DATA_DIR/s);
    } finally {
      assert.equal(await first.stop('SIGINT'), 0, first.output());
    }
    assert.match(first.output(), /Stopped/);
    assert.equal(
      statSync(path.join(dataDir, 'auth-secret')).mode & 0o777,
      0o600,
      'the session-signing secret is private to its owner',
    );
    assert.equal(
      existsSync(path.join(dataDir, 'pg', 'postmaster.pid')),
      false,
      'PostgreSQL was left running',
    );

    const again = await startApp(env);
    try {
      // The session too: it is in the database, signed with the secret kept in the data dir.
      const flows = (await trpc(again, session, 'flows.list', undefined, 'GET')) as {
        name: string;
      }[];
      assert.deepEqual(
        flows.map((f) => f.name),
        ['Survives restarts'],
      );
    } finally {
      assert.equal(await again.stop('SIGTERM'), 0, again.output());
    }
  });
});

describe('npm start with DATABASE_URL (an external PostgreSQL server)', () => {
  const serverUrl = env().TEST_EXTERNAL_DATABASE_URL;
  test('uses that server, starts no database of its own, and runs its migrations there', {
    skip: serverUrl
      ? false
      : 'set TEST_EXTERNAL_DATABASE_URL (.ci/run does, with Debian PostgreSQL)',
  }, async () => {
    const dbName = `pipewright_ext_${process.pid}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.query(`create database ${dbName}`);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipewright-ext-'));
    const app = await startApp({
      DATABASE_URL: withDatabase(serverUrl!, dbName),
      PIPEWRIGHT_DATA_DIR: dataDir,
    });
    try {
      const h = await health(app);
      assert.equal(h.status, 200, JSON.stringify(h.body));
      assert.equal(h.body.database?.embedded, false);
      assert.equal(existsSync(path.join(dataDir, 'pg')), false, 'an embedded database was created');
      await trpc(app, await signUpOwner(app), 'flows.create', { name: 'On the real server' });
      const check = new pg.Client({ connectionString: withDatabase(serverUrl!, dbName) });
      await check.connect();
      const { rows } = await check.query('select name from flows');
      await check.end();
      assert.deepEqual(rows, [{ name: 'On the real server' }]);
    } finally {
      await app.stop();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
