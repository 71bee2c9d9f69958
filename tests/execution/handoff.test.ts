import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { taskAttempts, taskRuns } from '@/db/schema';
import { startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf, transitionsOf } from '../helpers/engine';
import { chainEdges, codeNode, fanOutDocument } from '../helpers/flows';
import { maxOverlap } from '../helpers/overlap';

/**
 * Hand-off (server/execution/handoff.ts): a task made ready by an attempt
 * finishing on a worker that can run it is claimed in that attempt's own
 * transaction and started at once, without a trip through pg-boss.
 */
let engine: TestEngine;
before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(async () => {
  await engine?.close();
});

/** The pg-boss jobs sent for these task runs, with their state. */
async function jobsOf(taskRunIds: string[]) {
  const { rows } = await engine.tdb.db.execute<{ state: string; task: string }>(
    sql`select state::text as state, data->>'taskRunId' as task from pgboss.job
      where data->>'taskRunId' = any(${sql.param(taskRunIds)}::text[])`,
  );
  return rows;
}

async function tasksOf(runId: string) {
  return engine.tdb.db
    .select({
      id: taskRuns.id,
      nodeId: taskRuns.nodeId,
      jobId: taskRuns.jobId,
      workerId: taskRuns.workerId,
      startedAt: taskRuns.startedAt,
      endedAt: taskRuns.endedAt,
    })
    .from(taskRuns)
    .where(eq(taskRuns.flowRunId, runId));
}

describe('hand-off between tasks', () => {
  test('a chain starts and goes on on this process’s worker, with its history in order', async () => {
    const worker = await startWorker(engine.booted.runtime, () => {}, { concurrency: 4 });
    try {
      const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
      const id = await engine.run({
        version: 1,
        name: 'Counting chain',
        nodes: ids.map((n, i) =>
          codeNode(n, i === 0 ? 'return 1;' : `return inputs.${ids[i - 1]} + 1;`),
        ),
        edges: chainEdges(...ids),
      });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      assert.equal(taskOf(run, 'f').output, 6, 'each task received the one before');

      const tasks = await tasksOf(id);
      const byNode = new Map(tasks.map((t) => [t.nodeId, t]));
      for (const n of ids) {
        assert.equal(byNode.get(n)!.jobId, null, `${n} was handed off, not queued`);
        assert.equal(byNode.get(n)!.workerId, worker.id);
      }

      // The finishing task's transitions are written by its successor's
      // claim: the history must still read in order, task by task.
      const history = await transitionsOf(engine, id);
      const position = (taskRunId: string, to: string) =>
        history.findIndex((h) => h.taskRunId === taskRunId && h.toState === to);
      for (let i = 1; i < ids.length; i++) {
        const before = byNode.get(ids[i - 1]!)!;
        const next = byNode.get(ids[i]!)!;
        const completed = position(before.id, 'completed');
        const started = position(next.id, 'running');
        assert.ok(completed >= 0 && started >= 0, `transitions of ${ids[i - 1]} and ${ids[i]}`);
        assert.ok(completed < started, `${ids[i - 1]} completed before ${ids[i]} started`);
      }
      const runStates = history.filter((h) => h.taskRunId === null).map((h) => h.toState);
      assert.deepEqual(runStates, ['pending', 'running', 'completed']);
      const taskStates = history.filter((h) => h.taskRunId !== null).map((h) => h.toState);
      assert.equal(taskStates.filter((s) => s === 'completed').length, ids.length);
      assert.equal(taskStates.filter((s) => s === 'running').length, ids.length);
    } finally {
      await worker.stop();
    }
  });

  test('a run started with every slot of this process’s worker busy goes through the queue', async () => {
    // The start hands its first tasks to a worker of its own process only
    // with a slot free (StartedHere); otherwise they are queued as before,
    // and any worker may fetch them.
    const worker = await startWorker(engine.booted.runtime, () => {}, { concurrency: 1 });
    try {
      const busy = await engine.run({
        version: 1,
        name: 'Holding the only slot',
        nodes: [
          codeNode('spin', 'const t = Date.now(); while (Date.now() - t < 800) {} return 1;'),
        ],
        edges: [],
      });
      const queued = await engine.run({
        version: 1,
        name: 'Started while it is held',
        nodes: [codeNode('first', 'return 2;')],
        edges: [],
      });
      const [spin] = await tasksOf(busy);
      const [first] = await tasksOf(queued);
      assert.equal(spin!.jobId, null, 'the first run’s task was handed to the worker at its start');
      assert.ok(first!.jobId, 'the second run’s task was queued: no slot was free');
      assert.equal((await engine.waitForRun(queued, 10_000)).state, 'completed');
      assert.equal((await engine.waitForRun(busy, 10_000)).state, 'completed');
      assert.deepEqual(
        (await jobsOf([first!.id])).map((j) => j.state),
        ['completed'],
        'a worker fetched it once the slot was free',
      );
    } finally {
      await worker.stop();
    }
  });

  test('a fan-out never runs more tasks at once than the worker allows, hand-offs included', async () => {
    const worker = await startWorker(engine.booted.runtime, () => {}, {
      concurrency: 2,
      sandboxes: 2,
    });
    try {
      const branches = Array.from({ length: 8 }, (_, i) => `w${i}`);
      const busy = 'const t = Date.now(); while (Date.now() - t < 150) {} return 1;';
      const id = await engine.run(
        fanOutDocument({
          name: 'Fan-out under a small worker',
          branches,
          branch: () => busy,
          join: 'return Object.values(inputs).reduce((a, b) => a + b, 0);',
        }),
      );
      const run = await engine.waitForRun(id, 30_000);
      assert.equal(run.state, 'completed');
      assert.equal(taskOf(run, 'join').output, 8);

      const tasks = (await tasksOf(id)).filter((t) => branches.includes(t.nodeId));
      const overlap = maxOverlap(
        tasks.map((t) => ({ start: t.startedAt!.getTime(), end: t.endedAt!.getTime() })),
      );
      assert.ok(overlap <= 2, `${overlap} tasks ran at once on a worker of concurrency 2`);
      assert.ok(overlap === 2, 'both slots were used');
      // Branches beyond the free slots were queued; as slots freed, the
      // worker took them over from the queue (their jobs cancelled) rather
      // than fetching them.
      const jobs = await jobsOf(tasks.map((t) => t.id));
      assert.ok(jobs.length >= 1, 'branches beyond the free slots went through the queue');
      assert.ok(
        jobs.every((j) => j.state === 'cancelled' || j.state === 'completed'),
        JSON.stringify(jobs),
      );
      assert.ok(
        jobs.some((j) => j.state === 'cancelled'),
        'a queued branch was taken over by the worker finishing its sibling',
      );
      // A finishing transaction that takes over queued siblings holds its
      // transitions for their claims (or COMMIT): each is written once, in order.
      const history = await transitionsOf(engine, id);
      for (const task of tasks) {
        const states = history.filter((h) => h.taskRunId === task.id).map((h) => h.toState);
        assert.deepEqual(states, ['pending', 'running', 'completed'], `${task.nodeId}'s history`);
      }
    } finally {
      await worker.stop();
    }
  });

  test('queued tasks taken over by finishing workers still run exactly once, across two workers', async () => {
    const workers = [
      await startWorker(engine.booted.runtime, () => {}, { concurrency: 2 }),
      await startWorker(engine.booted.runtime, () => {}, { concurrency: 2 }),
    ];
    try {
      const branches = Array.from({ length: 30 }, (_, i) => `w${i}`);
      const id = await engine.run(
        fanOutDocument({
          name: 'Wide fan-out on two workers',
          branches,
          branch: (i) => `return ${i + 1};`,
          join: 'return Object.values(inputs).reduce((a, b) => a + b, 0);',
        }),
      );
      const run = await engine.waitForRun(id, 30_000);
      assert.equal(run.state, 'completed');
      assert.equal(taskOf(run, 'join').output, (30 * 31) / 2);
      const tasks = (await tasksOf(id)).filter((t) => branches.includes(t.nodeId));
      const attempts = await engine.tdb.db
        .select({ taskRunId: taskAttempts.taskRunId, state: taskAttempts.state })
        .from(taskAttempts)
        .where(
          inArray(
            taskAttempts.taskRunId,
            tasks.map((t) => t.id),
          ),
        );
      for (const task of tasks) {
        assert.deepEqual(
          attempts.filter((a) => a.taskRunId === task.id).map((a) => a.state),
          ['completed'],
          `${task.nodeId} ran exactly once`,
        );
      }
      const jobs = await jobsOf(tasks.map((t) => t.id));
      const fetched = new Set(jobs.filter((j) => j.state === 'completed').map((j) => j.task));
      const takenOver = new Set(jobs.filter((j) => j.state === 'cancelled').map((j) => j.task));
      for (const task of tasks) {
        assert.ok(
          !(fetched.has(task.id) && takenOver.has(task.id)),
          `${task.nodeId} was both fetched and taken over`,
        );
      }
    } finally {
      for (const worker of workers) await worker.stop();
    }
  });

  test('a task of a pool the finishing worker does not serve waits for a worker of that pool', async () => {
    const plain = await startWorker(engine.booted.runtime, () => {});
    let gpu: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      const id = await engine.run({
        version: 1,
        name: 'Prepare then train',
        nodes: [
          codeNode('prepare', 'return 2;'),
          codeNode('train', 'return inputs.prepare * 21;', { pool: 'gpu' }),
        ],
        edges: [{ source: 'prepare', target: 'train' }],
      });
      let train: Awaited<ReturnType<typeof tasksOf>>[number] | undefined;
      for (let i = 0; i < 200 && !train?.jobId; i++) {
        train = (await tasksOf(id)).find((t) => t.nodeId === 'train');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(train?.jobId, 'train was queued for the gpu pool, not handed to the plain worker');
      assert.equal(train.startedAt, null);

      gpu = await startWorker(engine.booted.runtime, () => {}, { pools: ['gpu'] });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      assert.equal(taskOf(run, 'train').output, 42);
      const trained = (await tasksOf(id)).find((t) => t.nodeId === 'train')!;
      assert.equal(trained.workerId, gpu.id);
    } finally {
      await gpu?.stop();
      await plain.stop();
    }
  });
});
