import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { inTransaction } from '@/db/client';
import { taskAttempts, taskRuns } from '@/db/schema';
import { lockFlowRun, lockOnBegin } from '@/server/execution/advance';
import type { TaskRunner } from '@/server/tasks/runner';
import { builtinRunners } from '@/server/tasks/runners';
import { startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf, transitionsOf } from '../helpers/engine';
import { codeNode, fanOutDocument } from '../helpers/flows';

/**
 * Attempts of one run finishing on a worker at the same moment commit
 * together (server/execution/attempt.ts, finishTogether): one transaction,
 * one planning pass. What a user sees must not change: every task ends once,
 * in its own state, with its own output and history.
 */
let engine: TestEngine;
before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(async () => {
  await engine?.close();
});

const WIDTH = 4;

/**
 * The code runner, held until WIDTH attempts have run: then they all return
 * in the same tick, so their finishes reach the worker together.
 */
function barrierRunners() {
  const code = builtinRunners.get('code') as TaskRunner;
  const held: (() => void)[] = [];
  const gated: TaskRunner = {
    type: 'code',
    async run(ctx) {
      const outcome = await code.run(ctx).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      if (ctx.ids.nodeId.startsWith('w')) {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          if (held.length === WIDTH) for (const release of held.splice(0)) release();
        });
      }
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    },
  };
  return new Map([...builtinRunners, ['code', gated]]) as typeof builtinRunners;
}

/** root → w0…w3 (each returns its number, or what `branch` says) → join (their sum). */
function fanOut(name: string, branch: (i: number) => string = (i) => `return ${i + 1};`) {
  const branches = Array.from({ length: WIDTH }, (_, i) => `w${i}`);
  return fanOutDocument({
    name,
    branches,
    branch,
    join: `return ${branches.map((id) => `inputs.${id}`).join(' + ')};`,
  });
}

async function historyOf(runId: string) {
  const tasks = await engine.tdb.db
    .select({ id: taskRuns.id, nodeId: taskRuns.nodeId, endedAt: taskRuns.endedAt })
    .from(taskRuns)
    .where(eq(taskRuns.flowRunId, runId));
  const transitions = await transitionsOf(engine, runId);
  const byNode = new Map(tasks.map((t) => [t.nodeId, t]));
  const to = (nodeId: string, state: string) =>
    transitions.filter((h) => h.taskRunId === byNode.get(nodeId)!.id && h.toState === state);
  return { byNode, to };
}

describe('attempts of one run finishing together', () => {
  test('commit in one transaction, each with its own output and history, once', async () => {
    const worker = await startWorker(engine.booted.runtime, () => {}, {
      concurrency: WIDTH,
      runners: barrierRunners(),
    });
    try {
      const id = await engine.run(fanOut('Finishing together'));
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      assert.equal(taskOf(run, 'join').output, 1 + 2 + 3 + 4, 'the join read every branch');

      const { byNode, to } = await historyOf(id);
      const branches = Array.from({ length: WIDTH }, (_, i) => `w${i}`);
      // The first finish commits at once; the three that arrive while it
      // commits are written by the next transaction, with one `now`.
      const endings = new Set(branches.map((n) => byNode.get(n)!.endedAt!.getTime()));
      assert.ok(
        endings.size <= 2,
        `branches finishing together commit together (${endings.size} commits)`,
      );
      for (const n of branches) {
        assert.equal(to(n, 'running').length, 1, `${n} started once`);
        assert.equal(to(n, 'completed').length, 1, `${n} completed once`);
        const attempts = await engine.tdb.db
          .select()
          .from(taskAttempts)
          .where(eq(taskAttempts.taskRunId, byNode.get(n)!.id));
        assert.deepEqual(
          attempts.map((a) => a.state),
          ['completed'],
          `${n} has one attempt, closed`,
        );
      }
      assert.equal(to('join', 'completed').length, 1);
      const [slots] = await engine.tdb.db
        .select({ id: taskRuns.id })
        .from(taskRuns)
        .where(eq(taskRuns.holdsSlot, true));
      assert.equal(slots, undefined, 'no task still holds a slot');
    } finally {
      await worker.stop();
    }
  });

  test('a failure among them takes its own path: it fails, the others complete, the join is skipped', async () => {
    const worker = await startWorker(engine.booted.runtime, () => {}, {
      concurrency: WIDTH,
      runners: barrierRunners(),
    });
    try {
      const id = await engine.run(
        fanOut('One of them fails', (i) =>
          i === 2 ? 'throw new Error("branch two broke");' : `return ${i + 1};`,
        ),
      );
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'failed');
      assert.equal(taskOf(run, 'w2').state, 'failed');
      assert.match(taskOf(run, 'w2').stateReason ?? '', /branch two broke/);
      for (const n of ['w0', 'w1', 'w3']) assert.equal(taskOf(run, n).state, 'completed');
      assert.deepEqual(
        ['w0', 'w1', 'w3'].map((n) => taskOf(run, n).output),
        [1, 2, 4],
      );
      assert.equal(taskOf(run, 'join').state, 'skipped');
      const { to } = await historyOf(id);
      assert.equal(to('w2', 'failed').length, 1);
      for (const n of ['w0', 'w1', 'w3']) assert.equal(to(n, 'completed').length, 1);
    } finally {
      await worker.stop();
    }
  });

  test('the run lock sent with BEGIN reads the run exactly as the lock statement does', async () => {
    const id = await engine.run({
      version: 1,
      name: 'Lock on begin',
      nodes: [codeNode('only', 'return 1;')],
      edges: [],
    });
    const { db } = engine.tdb;
    const plain = await inTransaction(db, (t) => lockFlowRun(t, id));
    const opened = await inTransaction(db, (t) => lockFlowRun(t, id), {
      opening: [lockOnBegin(id)],
    });
    assert.ok(plain);
    assert.deepEqual(opened, plain);
    // Another run's lock in the same transaction is not mistaken for it.
    const other = await inTransaction(
      db,
      (t) => lockFlowRun(t, '00000000-0000-4000-8000-000000000000'),
      { opening: [lockOnBegin(id)] },
    );
    assert.equal(other, undefined);
  });
});
