/**
 * The worker registry: a worker registers with its host, pid, version,
 * pools and concurrency, heartbeats, turns offline after a silence, and is
 * marked stopped at once by a graceful stop.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { workers } from '@/db/schema';
import { startWorker } from '@/server/worker';
import { listWorkers } from '@/server/worker/list';
import { pruneDeadWorkers } from '@/server/worker/registry';
import { repoRoot } from '../helpers/app';
import { startTestEngine, type TestEngine } from '../helpers/engine';

let engine: TestEngine;

before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(async () => {
  await engine.close();
});

const version = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a worker registers, heartbeats, and is marked stopped by a graceful stop', async () => {
  const worker = await startWorker(engine.booted.runtime, () => {}, {
    pools: ['gpu', 'default'],
    concurrency: 3,
    heartbeatMs: 50,
  });
  let stopped = false;
  try {
    const [row] = (await engine.api.workers.list()).filter((w) => w.id === worker.id);
    assert.ok(row, 'workers.list shows the worker');
    assert.equal(row.host, os.hostname());
    assert.equal(row.pid, process.pid);
    assert.equal(row.version, version);
    assert.deepEqual(row.pools, ['gpu', 'default']);
    assert.equal(row.concurrency, 3);
    assert.equal(row.runningTasks, 0);
    assert.equal(row.online, true);
    assert.equal(row.stoppedAt, null);

    // The heartbeat moves on its own.
    await waitFor(async () => {
      const [now] = (await listWorkers(engine.tdb.db)).filter((w) => w.id === worker.id);
      return now && now.lastHeartbeatAt > row.lastHeartbeatAt ? now : undefined;
    }, 'a later heartbeat');

    await worker.stop();
    stopped = true;
    const [after] = (await listWorkers(engine.tdb.db)).filter((w) => w.id === worker.id);
    assert.equal(after?.online, false);
    assert.ok(after?.stoppedAt, 'a graceful stop marks the worker stopped');
    // A stopped worker's row stays stopped: no late heartbeat revives it.
    await new Promise((r) => setTimeout(r, 150));
    const [later] = (await listWorkers(engine.tdb.db)).filter((w) => w.id === worker.id);
    assert.equal(later?.online, false);
  } finally {
    if (!stopped) await worker.stop();
  }
});

test('a worker that falls silent is offline after the silence threshold, without being stopped', async () => {
  // A heartbeat far apart: after registering, this worker says nothing more.
  const worker = await startWorker(engine.booted.runtime, () => {}, { heartbeatMs: 3_600_000 });
  try {
    const find = async (offlineAfterMs?: number) =>
      (await listWorkers(engine.tdb.db, { offlineAfterMs })).find((w) => w.id === worker.id);
    assert.equal((await find())?.online, true);
    await new Promise((r) => setTimeout(r, 400));
    // Within the default 60 s it still counts as online...
    assert.equal((await find())?.online, true);
    // ...and with a 300 ms threshold it is offline, though never stopped.
    const silent = await find(300);
    assert.equal(silent?.online, false);
    assert.equal(silent?.stoppedAt, null);
    // Offline workers are listed after online ones.
    const list = await listWorkers(engine.tdb.db, { offlineAfterMs: 300 });
    const firstOffline = list.findIndex((w) => !w.online);
    assert.ok(list.slice(firstOffline).every((w) => !w.online));
  } finally {
    await worker.stop();
  }
});

test('workers stopped or silent for more than a week are pruned; recent ones stay', async () => {
  const base = { host: 'old-host', pid: 1, version, pools: ['default'], concurrency: 1 };
  await engine.tdb.db.insert(workers).values([
    { ...base, id: 'old-host:1', lastHeartbeatAt: sql`now() - interval '8 days'` },
    {
      ...base,
      id: 'old-host:2',
      lastHeartbeatAt: sql`now() - interval '9 days'`,
      stoppedAt: sql`now() - interval '8 days'`,
    },
    { ...base, id: 'old-host:3', lastHeartbeatAt: sql`now() - interval '2 days'` },
  ]);
  assert.equal(await pruneDeadWorkers(engine.tdb.db), 2);
  const ids = (await listWorkers(engine.tdb.db)).map((w) => w.id);
  assert.ok(ids.includes('old-host:3'));
  assert.ok(!ids.includes('old-host:1') && !ids.includes('old-host:2'));
});
