import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { taskRuns } from '@/db/schema';
import { CRASH_RETRY_SPREAD_MS, crashRetryDelayMs, sweep } from '@/server/execution/sweeper';
import { engineDeps, startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { codeNode } from '../helpers/flows';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(() => engine.close());

test('a queued task whose job was lost is sent again by the sweeper, and the run completes', async () => {
  const id = await engine.run({
    version: 1,
    name: 'lost job',
    nodes: [{ id: 'only', type: 'code', config: { source: 'return "done";' } }],
    edges: [],
  });
  const [task] = await engine.tdb.db.select().from(taskRuns).where(eq(taskRuns.flowRunId, id));
  assert.ok(task?.jobId, 'the queued task records its job');
  // The job disappears (as if its handler failed before claiming, or it was purged).
  await engine.tdb.db.execute(sql`delete from pgboss.job where id = ${task.jobId}`);
  const deps = engineDeps(engine.booted.runtime);
  assert.equal((await sweep(deps)).resent, 0, 'a recently queued task is left alone');

  await engine.tdb.db
    .update(taskRuns)
    .set({ queuedAt: new Date(Date.now() - 60_000) })
    .where(eq(taskRuns.id, task.id));
  assert.equal((await sweep(deps)).resent, 1);
  assert.equal((await sweep(deps)).resent, 0, 'sent once, not on every sweep');

  const worker = await startWorker(engine.booted.runtime, () => {});
  try {
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed');
    assert.equal(taskOf(run, 'only').output, 'done');
    assert.equal(taskOf(run, 'only').attempts.length, 1, 'the same attempt ran, once');
  } finally {
    await worker.stop();
  }
});

test('a for-each item whose lease lapsed is recovered by the sweeper like any task', async () => {
  const worker = await startWorker(engine.booted.runtime, () => {});
  try {
    const id = await engine.run({
      version: 1,
      name: 'item lease lapses',
      nodes: [
        {
          id: 'each',
          type: 'for-each',
          config: {
            items: [1],
            task: {
              type: 'code',
              // Busy long enough for the test to catch it running.
              config: {
                source: 'const end = Date.now() + 1500; while (Date.now() < end) {} return item;',
              },
            },
          },
        },
      ],
      edges: [],
    });
    const deadline = Date.now() + 15_000;
    let item: typeof taskRuns.$inferSelect | undefined;
    while (!item && Date.now() < deadline) {
      [item] = await engine.tdb.db
        .select()
        .from(taskRuns)
        .where(
          sql`${taskRuns.flowRunId} = ${id} and ${taskRuns.nodeId} = 'each[0]' and ${taskRuns.state} = 'running'`,
        );
      if (!item) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(item, 'the item started');
    // As if its worker died: the lease lapses.
    await engine.tdb.db
      .update(taskRuns)
      .set({ leaseExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(taskRuns.id, item.id));
    assert.equal((await sweep(engineDeps(engine.booted.runtime))).crashed, 1);

    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed');
    assert.deepEqual(taskOf(run, 'each').output, [1]);
    const [retried] = await engine.api.runs.items({ taskRunId: taskOf(run, 'each').id });
    assert.equal(retried?.attempt, 2, 'the lost attempt was retried, not forgotten');
  } finally {
    await worker.stop();
  }
});

test('a job fetched by a worker that died before claiming it is sent again by the sweeper', async () => {
  const id = await engine.run({
    version: 1,
    name: 'fetched, never claimed',
    nodes: [{ id: 'only', type: 'code', config: { source: 'return "done";' } }],
    edges: [],
  });
  const [task] = await engine.tdb.db.select().from(taskRuns).where(eq(taskRuns.flowRunId, id));
  assert.ok(task?.jobId);
  // A worker fetches the job (pg-boss marks it active) and dies before its claim.
  const [fetched] = await engine.booted.runtime.boss.fetch('task-attempt');
  assert.equal(fetched?.id, task.jobId);
  const deps = engineDeps(engine.booted.runtime);
  assert.equal((await sweep(deps)).resent, 0, 'a job just fetched is being claimed');

  await engine.tdb.db.execute(
    sql`update pgboss.job set started_on = now() - interval '1 minute' where id = ${task.jobId}`,
  );
  await engine.tdb.db
    .update(taskRuns)
    .set({ queuedAt: new Date(Date.now() - 60_000) })
    .where(eq(taskRuns.id, task.id));
  assert.equal((await sweep(deps)).resent, 1);
  assert.equal((await sweep(deps)).resent, 0, 'sent once, not on every sweep');
  const old = await engine.tdb.db.execute<{ state: string }>(
    sql`select state::text from pgboss.job where id = ${task.jobId}`,
  );
  assert.equal(old.rows[0]?.state, 'cancelled', "the dead worker's copy no longer shows as active");

  const worker = await startWorker(engine.booted.runtime, () => {});
  try {
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed');
    assert.deepEqual(
      taskOf(run, 'only').attempts.map((a) => [a.attempt, a.state]),
      [[1, 'completed']],
    );
  } finally {
    await worker.stop();
  }
});

test('attempts lost together with their worker are retried at spread-out moments, then complete', async () => {
  // Three tasks die with one worker. Sent again at once, they would be
  // fetched together and meet whatever killed their worker again.
  const worker = await startWorker(engine.booted.runtime, () => {});
  try {
    // Long enough that none ends before the sweep below, even on a loaded
    // machine (at 1.5 s, one once did: CI counted 2 crashed, not 3).
    const busy = 'const end = Date.now() + 4000; while (Date.now() < end) {} return 1;';
    const id = await engine.run({
      version: 1,
      name: 'three lost together',
      nodes: [codeNode('a', busy), codeNode('b', busy), codeNode('c', busy)],
      edges: [],
    });
    const deadline = Date.now() + 15_000;
    let running: (typeof taskRuns.$inferSelect)[] = [];
    while (running.length < 3 && Date.now() < deadline) {
      running = await engine.tdb.db
        .select()
        .from(taskRuns)
        .where(sql`${taskRuns.flowRunId} = ${id} and ${taskRuns.state} = 'running'`);
      if (running.length < 3) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(running.length, 3, 'the three tasks ran at once');
    await engine.tdb.db
      .update(taskRuns)
      .set({ leaseExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(taskRuns.flowRunId, id));
    const swept = Date.now();
    assert.equal((await sweep(engineDeps(engine.booted.runtime))).crashed, 3);
    const retrying = await engine.tdb.db.select().from(taskRuns).where(eq(taskRuns.flowRunId, id));
    const at = retrying.map((t) => t.notBefore?.getTime() ?? swept);
    for (const [i, t] of retrying.entries()) {
      assert.ok(
        at[i]! >= swept - 50 && at[i]! < Date.now() + CRASH_RETRY_SPREAD_MS,
        `${t.nodeId}: within 1 s`,
      );
      if (t.notBefore) assert.match(t.stateReason ?? '', /stopped responding; retrying at /);
    }
    assert.ok(new Set(at).size > 1, `not all at one moment: ${at.map((a) => a - swept)}`);

    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed');
    for (const node of ['a', 'b', 'c']) assert.equal(taskOf(run, node).attempt, 2);
  } finally {
    await worker.stop();
  }
});

test('the window a lost attempt is retried in widens with each crash', () => {
  assert.equal(
    crashRetryDelayMs(0, () => 0),
    0,
  );
  assert.equal(
    crashRetryDelayMs(0, () => 0.9999),
    999,
  );
  assert.equal(
    crashRetryDelayMs(1, () => 0.9999),
    1999,
  );
  assert.equal(
    crashRetryDelayMs(2, () => 0.5),
    1500,
  );
});
