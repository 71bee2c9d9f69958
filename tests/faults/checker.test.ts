import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDatabase } from '@/db/client';
import { startTestEngine } from '../helpers/engine';
import {
  type AttemptRecord,
  checkHistory,
  type History,
  type Invariant,
  loadHistory,
  type TaskRecord,
  type TransitionRecord,
} from './checker';

/**
 * The fault-injection checker must be able to fail: each invariant is
 * broken on purpose in a hand-made history and the checker must name it.
 * The healthy history is what a clean two-task run writes.
 */

const RUN = '00000000-0000-4000-8000-000000000001';
const A = '00000000-0000-4000-8000-0000000000a1';
const B = '00000000-0000-4000-8000-0000000000b1';
const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);

function task(id: string, nodeId: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    flowRunId: RUN,
    nodeId,
    state: 'completed',
    attempt: 1,
    holdsSlot: false,
    concurrencyTag: null,
    parentTaskRunId: null,
    itemConcurrency: null,
    suspended: false,
    leaseExpiresAt: null,
    ...extra,
  };
}

function healthy(): History {
  let id = 0;
  const tr = (
    taskRunId: string | null,
    fromState: string | null,
    toState: string,
    attempt: number | null = null,
  ): TransitionRecord => ({
    id: ++id,
    flowRunId: RUN,
    taskRunId,
    fromState,
    toState,
    attempt,
  });
  return {
    runs: [{ id: RUN, state: 'completed', createdAt: at(0), endedAt: at(300), maxConcurrency: 1 }],
    tasks: [task(A, 'a'), task(B, 'b')],
    attempts: [
      { taskRunId: A, attempt: 1, state: 'completed', startedAt: at(10), endedAt: at(100) },
      { taskRunId: B, attempt: 1, state: 'completed', startedAt: at(100), endedAt: at(200) },
    ],
    transitions: [
      tr(null, 'pending', 'running'),
      tr(A, 'pending', 'running', 1),
      tr(A, 'running', 'completed', 1),
      tr(B, 'pending', 'running', 1),
      tr(B, 'running', 'completed', 1),
      tr(null, 'running', 'completed'),
    ],
    tagLimits: new Map(),
    readAt: at(1000),
  };
}

function invariants(history: History, options?: Parameters<typeof checkHistory>[1]): Invariant[] {
  return [...new Set(checkHistory(history, options).map((v) => v.invariant))];
}

function nextId(h: History) {
  return Math.max(...h.transitions.map((t) => t.id)) + 1;
}

describe('fault-injection checker', () => {
  test('a clean history has no violations', () => {
    assert.deepEqual(checkHistory(healthy(), { runBoundMs: 1000 }), []);
  });

  test('a run that never ends, or ends too late', () => {
    const h = healthy();
    h.runs[0]!.state = 'running';
    h.runs[0]!.endedAt = null;
    h.transitions.pop();
    assert.deepEqual(invariants(h), ['run-not-terminal']);
    assert.deepEqual(invariants(healthy(), { runBoundMs: 250 }), ['run-over-bound']);
  });

  test('a task left behind by a finished run', () => {
    const h = healthy();
    h.tasks[1]!.state = 'retrying';
    assert.ok(invariants(h).includes('orphaned-task'));
  });

  test('an output committed twice', () => {
    const h = healthy();
    h.transitions.push({
      id: nextId(h),
      flowRunId: RUN,
      taskRunId: A,
      fromState: 'running',
      toState: 'completed',
      attempt: 2,
    });
    assert.ok(invariants(h).includes('completed-twice'));

    const twoAttempts = healthy();
    twoAttempts.tasks[0]!.attempt = 2;
    twoAttempts.attempts.push({
      taskRunId: A,
      attempt: 2,
      state: 'completed',
      startedAt: at(100),
      endedAt: at(110),
    });
    assert.ok(invariants(twoAttempts).includes('completed-twice'));

    const staleWriter = healthy();
    staleWriter.tasks[0]!.attempt = 2;
    assert.deepEqual(invariants(staleWriter), ['completed-twice']);
  });

  test('a terminal state overwritten', () => {
    const h = healthy();
    h.transitions.push({
      id: nextId(h),
      flowRunId: RUN,
      taskRunId: A,
      fromState: 'completed',
      toState: 'failed',
      attempt: 1,
    });
    h.tasks[0]!.state = 'failed';
    assert.ok(invariants(h).includes('terminal-overwritten'));

    const flow = healthy();
    flow.transitions.push({
      id: nextId(flow),
      flowRunId: RUN,
      taskRunId: null,
      fromState: 'crashed',
      toState: 'completed',
      attempt: null,
    });
    assert.ok(invariants(flow).includes('terminal-overwritten'));

    // The row changed without a transition (Prefect #16429's shape).
    const silent = healthy();
    silent.tasks[1]!.state = 'failed';
    assert.deepEqual(invariants(silent), ['terminal-overwritten']);
  });

  test('a transition the state machine forbids', () => {
    const h = healthy();
    h.transitions.splice(1, 0, {
      id: 0.5,
      flowRunId: RUN,
      taskRunId: A,
      fromState: 'pending',
      toState: 'retrying',
      attempt: 1,
    });
    h.transitions.sort((a, b) => a.id - b.id);
    assert.deepEqual(invariants(h), ['illegal-transition']);
  });

  test("a run's maxConcurrency exceeded", () => {
    const h = healthy();
    h.attempts[1]!.startedAt = at(50); // b starts while a still runs, limit 1
    assert.deepEqual(invariants(h), ['concurrency-exceeded']);
    // Touching intervals are fine: b starting the instant a ends is sequential.
    assert.deepEqual(invariants(healthy()), []);
  });

  test("a tag's limit exceeded across runs", () => {
    const h = healthy();
    h.runs[0]!.maxConcurrency = null;
    const other = '00000000-0000-4000-8000-000000000002';
    const C = '00000000-0000-4000-8000-0000000000c1';
    h.runs.push({
      id: other,
      state: 'completed',
      createdAt: at(0),
      endedAt: at(300),
      maxConcurrency: null,
    });
    h.tasks[0]!.concurrencyTag = 'db';
    h.tasks.push(task(C, 'c', { flowRunId: other, concurrencyTag: 'db' }));
    h.attempts.push({
      taskRunId: C,
      attempt: 1,
      state: 'completed',
      startedAt: at(20),
      endedAt: at(40),
    });
    h.transitions.push(
      {
        id: 100,
        flowRunId: other,
        taskRunId: C,
        fromState: 'pending',
        toState: 'running',
        attempt: 1,
      },
      {
        id: 101,
        flowRunId: other,
        taskRunId: C,
        fromState: 'running',
        toState: 'completed',
        attempt: 1,
      },
    );
    h.tagLimits.set('db', 2);
    assert.deepEqual(invariants(h), []);
    h.tagLimits.set('db', 1);
    assert.deepEqual(invariants(h), ['concurrency-exceeded']);
  });

  test("a for-each's item concurrency exceeded", () => {
    const h = healthy();
    const items = ['i0', 'i1', 'i2'].map((_n, i) =>
      task(`00000000-0000-4000-8000-00000000010${i}`, `each[${i}]`, { parentTaskRunId: B }),
    );
    h.tasks[1]!.itemConcurrency = 2;
    h.tasks.push(...items);
    const item = (i: number, start: number, end: number): AttemptRecord => ({
      taskRunId: items[i]!.id,
      attempt: 1,
      state: 'completed',
      startedAt: at(start),
      endedAt: at(end),
    });
    h.attempts.push(item(0, 110, 150), item(1, 110, 150), item(2, 150, 190));
    assert.deepEqual(invariants(h), []);
    h.attempts[h.attempts.length - 1]!.startedAt = at(140);
    assert.deepEqual(invariants(h), ['concurrency-exceeded']);
  });

  test('a slot leaked by a finished task or run', () => {
    const h = healthy();
    h.tasks[0]!.holdsSlot = true;
    assert.deepEqual(invariants(h), ['slot-leaked']);
  });

  test('two attempts of one task at once, or one left open', () => {
    const h = healthy();
    h.runs[0]!.maxConcurrency = null;
    h.tasks[0]!.attempt = 2;
    h.attempts[0] = {
      taskRunId: A,
      attempt: 1,
      state: 'crashed',
      startedAt: at(10),
      endedAt: at(60),
    };
    h.attempts.push({
      taskRunId: A,
      attempt: 2,
      state: 'completed',
      startedAt: at(50),
      endedAt: at(100),
    });
    assert.deepEqual(invariants(h), ['attempts-overlap']);

    const open = healthy();
    open.attempts[0]!.endedAt = null;
    open.attempts[0]!.state = 'running';
    assert.ok(invariants(open).includes('attempts-overlap'));
  });

  test('a Running task whose owner died and nobody recovered', () => {
    const h = healthy();
    h.runs[0]!.state = 'running';
    h.runs[0]!.endedAt = null;
    h.transitions.pop();
    h.tasks[1]!.state = 'running';
    h.tasks[1]!.leaseExpiresAt = at(0);
    h.transitions.pop();
    h.attempts[1]!.endedAt = null;
    h.attempts[1]!.state = 'running';
    h.readAt = at(60_000);
    assert.deepEqual(invariants(h, { settled: false }), []);
    assert.deepEqual(invariants(h), ['run-not-terminal', 'dead-owner']);
  });

  test('reads a real database: a clean run passes, tampering is caught', async () => {
    const engine = await startTestEngine();
    const pool = createDatabase(engine.tdb.url, { max: 2 }).$client;
    try {
      const id = await engine.run({
        version: 1,
        name: 'checked',
        settings: { maxConcurrency: 1 },
        nodes: [
          { id: 'a', type: 'code', config: { source: 'return 1;' } },
          { id: 'b', type: 'code', config: { source: 'return 2;' } },
          { id: 'c', type: 'code', config: { source: 'return inputs.a + inputs.b;' } },
        ],
        edges: [
          { source: 'a', target: 'c' },
          { source: 'b', target: 'c' },
        ],
      });
      const run = await engine.waitForRun(id);
      assert.equal(run.state, 'completed');
      const clean = await loadHistory(pool, [id]);
      assert.equal(clean.tasks.length, 3);
      assert.equal(clean.runs[0]?.maxConcurrency, 1);
      assert.deepEqual(checkHistory(clean), []);

      // A late duplicate that "completes" c again, and a slot never given back.
      await pool.query(
        `insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, attempt)
         select flow_run_id, id, 'running', 'completed', attempt from task_runs
         where flow_run_id = $1 and node_id = 'c'`,
        [id],
      );
      await pool.query(
        `update task_runs set holds_slot = true where flow_run_id = $1 and node_id = 'a'`,
        [id],
      );
      const found = new Set(checkHistory(await loadHistory(pool, [id])).map((v) => v.invariant));
      assert.ok(found.has('completed-twice'), [...found].join(', '));
      assert.ok(found.has('terminal-overwritten'));
      assert.ok(found.has('slot-leaked'));
    } finally {
      await pool.end();
      await engine.close();
    }
  });
});
