import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import { flowRuns, runTransitions, taskRuns } from '@/db/schema';
import type { TaskRunner } from '@/server/tasks/runner';
import { builtinRunners } from '@/server/tasks/runners';
import { startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { codeNode } from '../helpers/flows';

/**
 * A chain's step in one round trip (finishChained in attempt.ts): the
 * finishing task's completion and its successor's claim are sent together,
 * the claim guarded by what planning would have checked. What a user sees
 * must be what the planned path gives: every task once, in order, with its
 * own output and history; and when the guard does not hold (the run is
 * being cancelled), the run is planned all the same.
 */
let engine: TestEngine;
before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(async () => {
  await engine?.close();
});

async function historyOf(runId: string) {
  const tasks = await engine.tdb.db
    .select({ id: taskRuns.id, nodeId: taskRuns.nodeId })
    .from(taskRuns)
    .where(eq(taskRuns.flowRunId, runId));
  const nodeOf = new Map(tasks.map((t) => [t.id, t.nodeId]));
  const transitions = await engine.tdb.db
    .select()
    .from(runTransitions)
    .where(eq(runTransitions.flowRunId, runId))
    .orderBy(asc(runTransitions.id));
  return transitions
    .filter((h) => h.taskRunId)
    .map((h) => `${nodeOf.get(h.taskRunId!)}:${h.fromState}→${h.toState}`);
}

describe('a chain’s step in one round trip', () => {
  test('each task runs once, in order, with its input, and its history in order', async () => {
    const worker = await startWorker(engine.booted.runtime, () => {});
    try {
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const id = await engine.run({
        version: 1,
        name: 'Chain',
        nodes: ids.map((n, i) =>
          codeNode(n, i === 0 ? 'return [1];' : `return [...inputs.${ids[i - 1]}, ${i + 1}];`),
        ),
        edges: ids.slice(1).map((n, i) => ({ source: ids[i]!, target: n })),
      });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      assert.deepEqual(taskOf(run, 'e').output, [1, 2, 3, 4, 5]);
      const history = await historyOf(id);
      const expected = [
        ...ids.map((n) => `${n}:null→pending`),
        ...ids.flatMap((n) => [`${n}:pending→running`, `${n}:running→completed`]),
      ];
      assert.deepEqual(history, expected, 'each task started and completed once, in order');
    } finally {
      await worker.stop();
    }
  });

  test('a run being cancelled when a task completes is still planned: the rest is cancelled', async () => {
    // `a` is held until the run is cancelling, then returns its output. The
    // cancel is written straight to the run, as if its notice had not reached
    // this worker yet (runs.cancel would also abort `a` at once): `a`
    // completes, and the claim of `b` sent with its completion must not hold.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const code = builtinRunners.get('code') as TaskRunner;
    const held: TaskRunner = {
      type: 'code',
      async run(ctx) {
        const result = await code.run(ctx);
        if (ctx.ids.nodeId === 'a') {
          reached();
          await released;
        }
        return result;
      },
    };
    const worker = await startWorker(engine.booted.runtime, () => {}, {
      runners: new Map([...builtinRunners, ['code', held]]) as typeof builtinRunners,
    });
    try {
      const id = await engine.run({
        version: 1,
        name: 'Cancelled mid-chain',
        nodes: [codeNode('a', 'return 1;'), codeNode('b', 'return inputs.a + 1;')],
        edges: [{ source: 'a', target: 'b' }],
      });
      await holding;
      await engine.tdb.db
        .update(flowRuns)
        .set({ state: 'cancelling', stateReason: 'the run was cancelled' })
        .where(eq(flowRuns.id, id));
      release();
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'cancelled');
      assert.equal(taskOf(run, 'a').state, 'completed', 'a finished before it heard of the cancel');
      assert.equal(taskOf(run, 'a').output, 1);
      assert.equal(taskOf(run, 'b').state, 'cancelled', 'b never started');
      const history = await historyOf(id);
      assert.deepEqual(history, [
        'a:null→pending',
        'b:null→pending',
        'a:pending→running',
        'a:running→completed',
        'b:pending→cancelled',
      ]);
    } finally {
      await worker.stop();
    }
  });
});
