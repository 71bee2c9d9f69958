import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import pg from 'pg';
import { flowRuns, runLogs, taskAttempts, taskRuns } from '@/db/schema';
import type { TaskRunner } from '@/server/tasks/runner';
import { builtinRunners } from '@/server/tasks/runners';
import { startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf, transitionsOf } from '../helpers/engine';
import { chainEdges, codeNode } from '../helpers/flows';
import { sandboxHostPids } from '../helpers/sandbox-hosts';

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

/** The pids of this process's sandbox hosts, once there are `count`. */
async function sandboxHosts(count: number): Promise<number[]> {
  for (let i = 0; ; i++) {
    const hosts = sandboxHostPids();
    if (hosts.length >= count) return hosts;
    assert.ok(i < 500, `${count} sandbox hosts within 5 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function historyOf(runId: string) {
  const tasks = await engine.tdb.db
    .select({ id: taskRuns.id, nodeId: taskRuns.nodeId })
    .from(taskRuns)
    .where(eq(taskRuns.flowRunId, runId));
  const nodeOf = new Map(tasks.map((t) => [t.id, t.nodeId]));
  const transitions = await transitionsOf(engine, runId);
  return transitions
    .filter((h) => h.taskRunId)
    .map((h) => `${nodeOf.get(h.taskRunId!)}:${h.fromState}→${h.toState}`);
}

/**
 * A worker whose code runner holds `a`'s result until the test releases it
 * (`ran` resolves once `a`'s code has run): the test acts between `a`
 * running and `a` finishing. `early`, if given, is the runner's early start.
 */
async function workerHoldingA(early?: TaskRunner['early']) {
  const code = builtinRunners.get('code') as TaskRunner;
  let ranA!: () => void;
  const ran = new Promise<void>((resolve) => {
    ranA = resolve;
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held: TaskRunner = {
    type: 'code',
    async run(ctx) {
      const result = await code.run(ctx);
      if (ctx.ids.nodeId === 'a') {
        ranA();
        await released;
      }
      return result;
    },
    ...(early ? { early } : {}),
  };
  const worker = await startWorker(engine.booted.runtime, () => {}, {
    runners: new Map([...builtinRunners, ['code', held]]) as typeof builtinRunners,
  });
  return { worker, ran, release };
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

  test('a chain of quick tasks that ran ahead keeps each task’s own record, in order', async () => {
    // Quick code tasks run ahead of their commits (runAhead in attempt.ts)
    // and are committed several to a transaction: each must still read as
    // if it ran on its own, after the one before it. 80 tasks: more than one
    // transaction takes (32) and more than may run ahead at once (64).
    const worker = await startWorker(engine.booted.runtime, () => {});
    try {
      const ids = Array.from({ length: 80 }, (_, i) => `t${i}`);
      const id = await engine.run({
        version: 1,
        name: 'Quick chain',
        nodes: ids.map((n, i) =>
          codeNode(n, i === 0 ? 'return 1;' : `return inputs.t${i - 1} + 1;`),
        ),
        edges: ids.slice(1).map((n, i) => ({ source: ids[i]!, target: n })),
      });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      for (const [i, n] of ids.entries()) {
        assert.equal(taskOf(run, n).output, i + 1, `${n} ran once, after the one before it`);
      }
      assert.deepEqual(await historyOf(id), [
        ...ids.map((n) => `${n}:null→pending`),
        ...ids.flatMap((n) => [`${n}:pending→running`, `${n}:running→completed`]),
      ]);
      const attempts = await engine.tdb.db
        .select({
          nodeId: taskRuns.nodeId,
          state: taskAttempts.state,
          startedAt: taskAttempts.startedAt,
          endedAt: taskAttempts.endedAt,
        })
        .from(taskAttempts)
        .innerJoin(taskRuns, eq(taskRuns.id, taskAttempts.taskRunId))
        .where(eq(taskRuns.flowRunId, id));
      assert.equal(attempts.length, ids.length, 'one attempt each');
      let previousEnd = 0;
      for (const n of ids) {
        const a = attempts.find((x) => x.nodeId === n)!;
        const task = taskOf(run, n);
        assert.equal(a.state, 'completed', `${n}'s attempt is completed`);
        assert.ok(a.endedAt, `${n}'s attempt has its end`);
        assert.equal(
          task.startedAt?.getTime(),
          a.startedAt.getTime(),
          `${n} started with its attempt`,
        );
        assert.equal(task.endedAt?.getTime(), a.endedAt.getTime(), `${n} ended with its attempt`);
        assert.ok(
          a.startedAt.getTime() >= previousEnd,
          `${n} started after the one before it ended`,
        );
        assert.ok(a.endedAt.getTime() >= a.startedAt.getTime(), `${n} ended after it started`);
        previousEnd = a.endedAt.getTime();
      }
    } finally {
      await worker.stop();
    }
  });

  test('parallel chains of one run each run ahead, and what they drop does not cost a sandbox host', async () => {
    // The finishes of parallel chains often commit together (finishTogether),
    // and then what ran ahead of them is dropped. Aborting a quick run under
    // way would kill its sandbox host (and start another); it is left to finish.
    const worker = await startWorker(engine.booted.runtime, () => {});
    try {
      const hostsBefore = await sandboxHosts(2);
      const chain = (p: string) => Array.from({ length: 15 }, (_, i) => `${p}${i}`);
      const chains = ['a', 'b', 'c', 'd'].map(chain);
      const id = await engine.run({
        version: 1,
        name: 'Side by side',
        nodes: chains.flatMap((ids) =>
          ids.map((n, i) =>
            codeNode(n, i === 0 ? 'return 1;' : `return inputs.${ids[i - 1]} + 1;`),
          ),
        ),
        edges: chains.flatMap((ids) => chainEdges(...ids)),
      });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      for (const ids of chains) assert.equal(taskOf(run, ids.at(-1)!).output, 15);
      assert.deepEqual(await sandboxHosts(2), hostsBefore, 'the same sandbox hosts, none replaced');
    } finally {
      await worker.stop();
    }
  });

  test('a run being cancelled when a task completes is still planned: the rest is cancelled', async () => {
    // `a` is held until the run is cancelling, then returns its output. The
    // cancel is written straight to the run, as if its notice had not reached
    // this worker yet (runs.cancel would also abort `a` at once): `a`
    // completes, and the claim of `b` sent with its completion must not hold.
    const { worker, ran, release } = await workerHoldingA();
    try {
      const id = await engine.run({
        version: 1,
        name: 'Cancelled mid-chain',
        nodes: [codeNode('a', 'return 1;'), codeNode('b', 'return inputs.a + 1;')],
        edges: [{ source: 'a', target: 'b' }],
      });
      await ran;
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

  /**
   * A code successor starts while the transaction that completes its
   * upstream and claims it commits (startEarly in attempt.ts). The run's row
   * lock is held from another connection when `a` finishes, so that
   * transaction waits: `b`'s code must have run by then, while the database
   * still says `a` is running and `b` pending.
   */
  async function heldAtFinish(
    document: { nodes: { id: string }[] } & Record<string, unknown>,
    whileHeld: (
      runId: string,
      locked: pg.Client,
      early: { outcome: Promise<unknown> }[],
    ) => Promise<void>,
  ) {
    const code = builtinRunners.get('code') as TaskRunner;
    const early: { outcome: Promise<unknown> }[] = [];
    const { worker, ran, release } = await workerHoldingA((ctx) => {
      const outcome = code.early!(ctx);
      early.push({ outcome: outcome.catch((err: unknown) => err) });
      return outcome;
    });
    const client = new pg.Client({ connectionString: engine.tdb.url });
    await client.connect();
    try {
      const id = await engine.run(document);
      await ran;
      await client.query('begin');
      await client.query('select 1 from flow_runs where id = $1 for update', [id]);
      release();
      for (let i = 0; early.length === 0; i++) {
        assert.ok(i < 500, 'b started early within 5 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      const outcome = await early[0]!.outcome;
      assert.deepEqual(
        await statesOf(id),
        aRunning(document),
        'b ran before the transaction completing a and claiming b committed',
      );
      await whileHeld(id, client, early);
      await client.query('commit');
      return { id, run: await engine.waitForRun(id), early, outcome };
    } finally {
      await client.end();
      await worker.stop();
    }
  }

  async function statesOf(runId: string) {
    const states = await engine.tdb.db
      .select({ nodeId: taskRuns.nodeId, state: taskRuns.state })
      .from(taskRuns)
      .where(eq(taskRuns.flowRunId, runId))
      .orderBy(asc(taskRuns.nodeId));
    return states.map((t) => `${t.nodeId}:${t.state}`);
  }

  /** What the database says while `a`'s finish waits: `a` running, the rest pending. */
  const aRunning = (document: { nodes: { id: string }[] }) =>
    document.nodes.map((n) => `${n.id}:${n.id === 'a' ? 'running' : 'pending'}`);

  async function logsOf(runId: string, nodeId: string) {
    const rows = await engine.tdb.db
      .select({ message: runLogs.message })
      .from(runLogs)
      .innerJoin(taskRuns, eq(taskRuns.id, runLogs.taskRunId))
      .where(and(eq(runLogs.flowRunId, runId), eq(taskRuns.nodeId, nodeId)))
      .orderBy(asc(runLogs.id));
    return rows.map((r) => r.message);
  }

  test('a code successor runs while its claim commits, with its input as the database gives it back', async () => {
    const { id, run, early, outcome } = await heldAtFinish(
      {
        version: 1,
        name: 'Early start',
        nodes: [
          codeNode('a', 'return { zz: 1, b: 2, aaa: 3, 10: 4 };'),
          codeNode(
            'b',
            'log.info("keys", Object.keys(inputs.a).join()); return Object.keys(inputs.a);',
          ),
        ],
        edges: [{ source: 'a', target: 'b' }],
      },
      async () => {},
    );
    assert.equal(early.length, 1, 'b, and only b, started early');
    assert.deepEqual(outcome, { output: ['10', 'b', 'zz', 'aaa'] });
    assert.equal(run.state, 'completed');
    // jsonb's key order, as a claim reading a's output back would give it:
    // shorter keys first, then by bytes (and integer keys first in JavaScript).
    assert.deepEqual(taskOf(run, 'b').output, ['10', 'b', 'zz', 'aaa']);
    assert.deepEqual(await logsOf(id, 'b'), ['keys 10,b,zz,aaa'], 'its log line was kept');
    assert.deepEqual(await historyOf(id), [
      'a:null→pending',
      'b:null→pending',
      'a:pending→running',
      'a:running→completed',
      'b:pending→running',
      'b:running→completed',
    ]);
  });

  test('a successor started early whose claim does not commit leaves no trace', async () => {
    const { id, run, early } = await heldAtFinish(
      {
        version: 1,
        name: 'Early start, cancelled',
        nodes: [
          codeNode('a', 'return 1;'),
          codeNode('b', 'log.info("b ran"); return inputs.a + 1;'),
        ],
        edges: [{ source: 'a', target: 'b' }],
      },
      async (runId, locked) => {
        // The run starts cancelling before a's finish gets its lock: b's
        // claim, sent with a's completion, must not hold.
        await locked.query(
          "update flow_runs set state = 'cancelling', state_reason = 'the run was cancelled' where id = $1",
          [runId],
        );
      },
    );
    assert.equal(early.length, 1);
    assert.equal(run.state, 'cancelled');
    assert.equal(taskOf(run, 'a').state, 'completed');
    assert.equal(taskOf(run, 'b').state, 'cancelled', 'b never started, as far as anyone can see');
    assert.equal(taskOf(run, 'b').output, null);
    assert.deepEqual(await logsOf(id, 'b'), [], 'its log line was dropped with it');
    assert.deepEqual(await historyOf(id), [
      'a:null→pending',
      'b:null→pending',
      'a:pending→running',
      'a:running→completed',
      'b:pending→cancelled',
    ]);
  });

  test('tasks that ran ahead of a claim that does not commit leave no trace', async () => {
    // b, c and d run one after the other while a's finishing transaction
    // waits for the run lock: c from b's output, d from c's, none of them
    // claimed yet. The run then starts cancelling: none may show.
    const document = {
      version: 1,
      name: 'Ran ahead, cancelled',
      nodes: [
        codeNode('a', 'return 1;'),
        codeNode('b', 'return inputs.a + 1;'),
        codeNode('c', 'return inputs.b + 1;'),
        codeNode('d', 'return inputs.c + 1;'),
      ],
      edges: chainEdges('a', 'b', 'c', 'd'),
    };
    const { id, run } = await heldAtFinish(document, async (runId, locked, early) => {
      for (let i = 0; early.length < 3; i++) {
        assert.ok(i < 500, 'c and d ran ahead within 5 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      const outcomes = await Promise.all(early.map((e) => e.outcome));
      assert.deepEqual(outcomes, [{ output: 2 }, { output: 3 }, { output: 4 }]);
      assert.deepEqual(
        await statesOf(runId),
        aRunning(document),
        'nothing that ran ahead is recorded before its claim commits',
      );
      await locked.query(
        "update flow_runs set state = 'cancelling', state_reason = 'the run was cancelled' where id = $1",
        [runId],
      );
    });
    assert.equal(run.state, 'cancelled');
    assert.equal(taskOf(run, 'a').state, 'completed');
    for (const n of ['b', 'c', 'd']) {
      assert.equal(
        taskOf(run, n).state,
        'cancelled',
        `${n} never started, as far as anyone can see`,
      );
      assert.equal(taskOf(run, n).output, null);
    }
    assert.deepEqual(await historyOf(id), [
      'a:null→pending',
      'b:null→pending',
      'c:null→pending',
      'd:null→pending',
      'a:pending→running',
      'a:running→completed',
      'b:pending→cancelled',
      'c:pending→cancelled',
      'd:pending→cancelled',
    ]);
  });

  test('a task that logs or fails stops the run ahead there, and is recorded as it would be alone', async () => {
    const worker = await startWorker(engine.booted.runtime, () => {});
    try {
      const id = await engine.run({
        version: 1,
        name: 'Ran ahead to a failure',
        nodes: [
          codeNode('a', 'return 1;'),
          codeNode('b', 'log.info("b got", inputs.a); return inputs.a + 1;'),
          codeNode('c', 'return inputs.b + 1;'),
          codeNode('d', 'throw new Error("d cannot go on at " + inputs.c);', {
            retry: { retries: 0 },
          }),
          codeNode('e', 'return inputs.d;'),
        ],
        edges: chainEdges('a', 'b', 'c', 'd', 'e'),
      });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'failed');
      assert.deepEqual(run.tasks.map((t) => `${t.nodeId}:${t.state}`).sort(), [
        'a:completed',
        'b:completed',
        'c:completed',
        'd:failed',
        'e:skipped',
      ]);
      assert.equal(taskOf(run, 'c').output, 3);
      assert.deepEqual(await logsOf(id, 'b'), ['b got 1'], 'its log line was kept');
      assert.match(taskOf(run, 'd').error!.message, /d cannot go on at 3/);
      assert.deepEqual(await historyOf(id), [
        ...['a', 'b', 'c', 'd', 'e'].map((n) => `${n}:null→pending`),
        'a:pending→running',
        'a:running→completed',
        'b:pending→running',
        'b:running→completed',
        'c:pending→running',
        'c:running→completed',
        'd:pending→running',
        'd:running→failed',
        'e:pending→skipped',
      ]);
    } finally {
      await worker.stop();
    }
  });
});
