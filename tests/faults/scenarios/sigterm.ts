import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chainFlow, startSlowServer } from '../flows';
import {
  type Control,
  check,
  describeViolations,
  reportScenario,
  runStates,
  type ScenarioDatabase,
  startControl,
  startScenarioDatabase,
  WorkerFleet,
  waitFor,
  waitForRuns,
} from '../harness';

/**
 * SIGTERM during work (a deploy, a scale-down). A worker told to stop
 * takes no new jobs, lets what it runs finish within its grace period
 * (10 s), and what outlives that is handed back: its lease lapses and
 * another worker retries it as a lost attempt (not counted against the
 * node's retries). Nothing may stay Running with a dead owner, nothing may
 * fail because a worker was stopped politely.
 */

const RUN_BOUND_MS = 180_000;
let db: ScenarioDatabase;
let control: Control;
let server: Awaited<ReturnType<typeof startSlowServer>>;
let fleet: WorkerFleet;
const summary: string[] = [];
let runsSeen = 0;
const started = Date.now();

before(async () => {
  db = await startScenarioDatabase('sigterm');
  control = await startControl(db);
  server = await startSlowServer();
  // Restarted like a rolling deploy would: the stopped worker's slot comes back.
  fleet = new WorkerFleet({ db, count: 2, concurrency: 4, restart: true });
  await fleet.start();
});
after(async () => {
  reportScenario({
    scenario: 'sigterm',
    iterations: summary.length,
    runs: runsSeen,
    outcome: summary.join('; '),
    seconds: Math.round((Date.now() - started) / 1000),
  });
  await fleet?.stop();
  await control?.close();
  await server?.close();
  await db?.close();
});

/** The worker slot running a task of these runs, once one is running. */
async function busySlot(ids: string[]): Promise<number> {
  let slot = -1;
  await waitFor(
    'a worker to be running a task',
    async () => {
      const { rows } = await db.pool.query<{ worker_id: string }>(
        `select worker_id from task_runs where state = 'running' and suspended_state is null
         and flow_run_id = any($1::uuid[])`,
        [ids],
      );
      slot = fleet.workers.find((w) => rows.some((r) => r.worker_id === w.workerId))?.slot ?? -1;
      return slot >= 0;
    },
    30_000,
    50,
  );
  return slot;
}

async function attemptsOfWorker(workerId: string, ids: string[]) {
  const { rows } = await db.pool.query<{ state: string; n: number }>(
    `select a.state, count(*)::int as n from task_attempts a join task_runs t on t.id = a.task_run_id
     where a.worker_id = $1 and t.flow_run_id = any($2::uuid[]) group by a.state`,
    [workerId, ids],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

async function stoppedAt(workerId: string): Promise<Date | null> {
  const { rows } = await db.pool.query<{ stopped_at: Date | null }>(
    'select stopped_at from workers where id = $1',
    [workerId],
  );
  return rows[0]?.stopped_at ?? null;
}

test('SIGTERM mid-task: in-flight tasks finish within the grace period, nothing is lost', async () => {
  const flowId = await control.importFlow(chainFlow(server.url, 4, 1500, 'SIGTERM: short tasks'));
  const ids = await control.startRuns(flowId, 6, (i) => ({ key: `short-${i}` }));
  runsSeen += ids.length;
  const slot = await busySlot(ids);
  const worker = fleet.worker(slot)!;
  const t0 = Date.now();
  const death = await fleet.kill(slot, 'SIGTERM');
  const exitMs = Date.now() - t0;
  await waitForRuns(db, ids, RUN_BOUND_MS, () => fleet.tails());
  const attempts = await attemptsOfWorker(worker.workerId, ids);
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  const states = await runStates(db, ids);
  summary.push(
    `short tasks: exit ${death?.code} after ${exitMs} ms, its attempts ${JSON.stringify(attempts)}, runs ${JSON.stringify(states)}`,
  );
  assert.equal(death?.code, 0, `the worker exited with ${death?.code} / ${death?.signal}`);
  assert.ok(await stoppedAt(worker.workerId), 'the stopped worker is marked stopped');
  assert.equal(attempts.crashed ?? 0, 0, 'a task the worker could finish was abandoned');
  assert.equal(attempts.failed ?? 0, 0);
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(states.completed, ids.length);
});

test('SIGTERM with tasks longer than the grace period: they are handed back and retried elsewhere', async () => {
  const flowId = await control.importFlow({
    ...chainFlow(server.url, 1, 20_000, 'SIGTERM: long HTTP tasks'),
    // No retries of its own: a task that fails because its worker stopped fails the run.
    nodes: chainFlow(server.url, 1, 20_000).nodes.map((n) => ({ ...n, retry: { retries: 0 } })),
  });
  const ids = await control.startRuns(flowId, 3, (i) => ({ key: `long-${i}` }));
  runsSeen += ids.length;
  const slot = await busySlot(ids);
  const worker = fleet.worker(slot)!;
  const t0 = Date.now();
  const death = await fleet.kill(slot, 'SIGTERM');
  const exitMs = Date.now() - t0;
  await waitForRuns(db, ids, RUN_BOUND_MS, () => fleet.tails());
  const attempts = await attemptsOfWorker(worker.workerId, ids);
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  const states = await runStates(db, ids);
  summary.push(
    `long HTTP tasks: exit ${death?.code} after ${exitMs} ms, its attempts ${JSON.stringify(attempts)}, runs ${JSON.stringify(states)}`,
  );
  assert.ok(exitMs < 30_000, `the worker took ${exitMs} ms to stop`);
  assert.equal(attempts.failed ?? 0, 0, 'an attempt was failed because its worker stopped');
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(states.completed, ids.length, JSON.stringify(states));
});

test('SIGTERM with a code task longer than the grace period: handed back, not failed', async () => {
  const flowId = await control.importFlow({
    version: 1,
    name: 'SIGTERM: long code task',
    params: { key: { type: 'string' } },
    nodes: [
      {
        id: 'crunch',
        type: 'code',
        position: { x: 0, y: 0 },
        // Busy for 13 s (the sandbox has no timers): longer than the 10 s grace.
        config: {
          source:
            'const end = Date.now() + 13000; let n = 0; while (Date.now() < end) n++; return params.key;',
        },
        retry: { retries: 0 },
      },
    ],
    edges: [],
  });
  const ids = await control.startRuns(flowId, 1, () => ({ key: 'crunch' }));
  runsSeen += ids.length;
  const slot = await busySlot(ids);
  const worker = fleet.worker(slot)!;
  const death = await fleet.kill(slot, 'SIGTERM');
  await waitForRuns(db, ids, RUN_BOUND_MS, () => fleet.tails());
  const attempts = await attemptsOfWorker(worker.workerId, ids);
  const { rows } = await db.pool.query<{ state: string; state_reason: string | null }>(
    'select state, state_reason from task_runs where flow_run_id = $1',
    [ids[0]],
  );
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  summary.push(
    `long code task: exit ${death?.code}, its attempts ${JSON.stringify(attempts)}, task ${rows[0]?.state} (${rows[0]?.state_reason ?? ''})`,
  );
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(
    rows[0]?.state,
    'completed',
    `the task ended ${rows[0]?.state}: ${rows[0]?.state_reason}`,
  );
});
