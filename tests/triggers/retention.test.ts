import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import pg from 'pg';
import { flowRuns, runLogs, runTransitions, taskAttempts, taskRuns } from '@/db/schema';
import { deleteExpiredRuns } from '@/server/retention/cleanup';
import { startTestEngine, type TestEngine } from '../helpers/engine';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

const DAY = 86_400_000;
let counter = 0;

async function importFlow(nodes: unknown[]) {
  const { flow } = await engine.api.flows.import({
    document: { version: 1, name: `kept ${++counter}`, nodes, edges: [] },
  });
  return flow;
}

const logging = [
  { id: 'a', type: 'code', config: { source: 'log.info("one"); log.warn("two"); return 1;' } },
  { id: 'b', type: 'code', config: { source: 'log.info("three"); return 2;' } },
];

async function finishedRun(flowId: string, endedDaysAgo: number) {
  const { id } = await engine.api.runs.start({ flowId });
  await engine.waitForRun(id);
  await engine.tdb.db
    .update(flowRuns)
    .set({ endedAt: new Date(Date.now() - endedDaysAgo * DAY) })
    .where(eq(flowRuns.id, id));
  return id;
}

async function rowsOf(runIds: string[]) {
  const { db } = engine.tdb;
  const count = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
  const n = sql<number>`count(*)::int`;
  return {
    runs: await count(db.select({ n }).from(flowRuns).where(inArray(flowRuns.id, runIds))),
    tasks: await count(db.select({ n }).from(taskRuns).where(inArray(taskRuns.flowRunId, runIds))),
    attempts: await count(
      db
        .select({ n })
        .from(taskAttempts)
        .innerJoin(taskRuns, eq(taskRuns.id, taskAttempts.taskRunId))
        .where(inArray(taskRuns.flowRunId, runIds)),
    ),
    transitions: await count(
      db.select({ n }).from(runTransitions).where(inArray(runTransitions.flowRunId, runIds)),
    ),
    logs: await count(db.select({ n }).from(runLogs).where(inArray(runLogs.flowRunId, runIds))),
  };
}

describe('retention', () => {
  test('deletes expired finished runs with everything they own, in batches, and nothing else', async () => {
    const flow = await importFlow(logging);
    const expired = [
      await finishedRun(flow.id, 40),
      await finishedRun(flow.id, 35),
      await finishedRun(flow.id, 31),
    ];
    const recent = await finishedRun(flow.id, 10);
    const before = await rowsOf(expired);
    assert.equal(before.runs, 3);
    assert.ok(before.logs >= 9 && before.attempts >= 6 && before.transitions > 0);

    // An active run is never deleted, even with an (impossible) old end time.
    const slow = await importFlow([{ id: 'wait', type: 'delay', config: { seconds: 120 } }]);
    const { id: active } = await engine.api.runs.start({ flowId: slow.id });
    await engine.tdb.db
      .update(flowRuns)
      .set({ endedAt: new Date(Date.now() - 90 * DAY) })
      .where(eq(flowRuns.id, active));

    const result = await deleteExpiredRuns(engine.tdb.url, { globalDays: 30, batchSize: 2 });
    assert.equal(result.ran, true);
    assert.equal(result.runs, 3);
    assert.equal(result.batches, 2, 'two runs, then one');
    assert.equal(result.logs, before.logs);
    assert.equal(result.attempts, before.attempts);
    assert.deepEqual(await rowsOf(expired), {
      runs: 0,
      tasks: 0,
      attempts: 0,
      transitions: 0,
      logs: 0,
    });
    assert.equal((await rowsOf([recent])).runs, 1);
    assert.equal((await rowsOf([recent])).logs, 3);
    const [still] = await engine.tdb.db.select().from(flowRuns).where(eq(flowRuns.id, active));
    assert.ok(still && !['completed', 'failed', 'cancelled'].includes(still.state));
    await engine.api.runs.cancel({ id: active });

    // Nothing left to do: a second pass deletes nothing.
    assert.equal(
      (await deleteExpiredRuns(engine.tdb.url, { globalDays: 30, batchSize: 2 })).runs,
      0,
    );
  });

  test('a flow’s own retention wins over the default; 0 keeps runs forever', async () => {
    const forever = await importFlow(logging);
    const short = await importFlow(logging);
    assert.deepEqual(await engine.api.flows.retention.set({ id: forever.id, retentionDays: 0 }), {
      retentionDays: 0,
      defaultDays: 30,
      effectiveDays: 0,
    });
    await engine.api.flows.retention.set({ id: short.id, retentionDays: 5 });
    assert.equal((await engine.api.flows.retention.get({ id: short.id })).effectiveDays, 5);
    await assert.rejects(engine.api.flows.retention.set({ id: short.id, retentionDays: -1 }), {
      code: 'BAD_REQUEST',
    });

    const ancient = await finishedRun(forever.id, 400);
    const shortOld = await finishedRun(short.id, 6);
    const shortNew = await finishedRun(short.id, 2);
    const result = await deleteExpiredRuns(engine.tdb.url, { globalDays: 30 });
    assert.equal(result.runs, 1);
    assert.equal((await rowsOf([ancient])).runs, 1, 'kept forever');
    assert.equal((await rowsOf([shortOld])).runs, 0, 'older than the flow’s 5 days');
    assert.equal((await rowsOf([shortNew])).runs, 1);

    // The global 0 keeps everything without an own setting.
    const defaulted = await importFlow(logging);
    const old = await finishedRun(defaulted.id, 1000);
    assert.equal((await deleteExpiredRuns(engine.tdb.url, { globalDays: 0 })).runs, 0);
    assert.equal((await rowsOf([old])).runs, 1);
    assert.equal((await deleteExpiredRuns(engine.tdb.url, { globalDays: 30 })).runs, 1);
    assert.equal((await rowsOf([old])).runs, 0);
  });

  test('a run holding a cache entry that has not expired is kept until it expires', async () => {
    const flow = await importFlow([
      {
        id: 'c',
        type: 'code',
        config: { source: 'return 7;' },
        cache: { enabled: true, ttlSeconds: 3600 },
      },
    ]);
    const run = await finishedRun(flow.id, 60);
    assert.equal((await deleteExpiredRuns(engine.tdb.url, { globalDays: 30 })).runs, 0);
    assert.equal((await rowsOf([run])).runs, 1);
    // Two hours later the cache entry has expired: the run goes.
    const later = new Date(Date.now() + 2 * 3600_000);
    assert.equal((await deleteExpiredRuns(engine.tdb.url, { globalDays: 30, now: later })).runs, 1);
    assert.equal((await rowsOf([run])).runs, 0);
  });

  test('only one cleanup runs at a time (advisory lock)', async () => {
    const other = new pg.Client({ connectionString: engine.tdb.url });
    await other.connect();
    try {
      await other.query(`select pg_advisory_lock(hashtext('pipewright-retention'))`);
      const result = await deleteExpiredRuns(engine.tdb.url, { globalDays: 30 });
      assert.equal(result.ran, false);
    } finally {
      await other.end();
    }
    assert.equal((await deleteExpiredRuns(engine.tdb.url, { globalDays: 30 })).ran, true);
  });
});
