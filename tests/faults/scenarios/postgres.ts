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
  sleep,
  startControl,
  startScenarioDatabase,
  terminateBackendsOf,
  WorkerFleet,
  waitForRuns,
} from '../harness';

/**
 * The database goes away under running work: the embedded PostgreSQL is
 * stopped (fast shutdown: every connection dropped, open transactions
 * rolled back) and started again on the same port; and, separately, every
 * worker connection is killed with pg_terminate_backend (the workers'
 * application_name tells them apart: pipewright, pipewright-boss,
 * pipewright-listen). Workers must reconnect by themselves — none may
 * exit — and every run must complete.
 */

const RUN_BOUND_MS = 180_000;

let db: ScenarioDatabase;
let control: Control;
let server: Awaited<ReturnType<typeof startSlowServer>>;
let fleet: WorkerFleet;

before(async () => {
  db = await startScenarioDatabase('postgres');
  control = await startControl(db);
  server = await startSlowServer();
  fleet = new WorkerFleet({ db, count: 2, concurrency: 4 });
  await fleet.start();
});
after(async () => {
  await fleet?.stop();
  await control?.close();
  await server?.close();
  await db?.close();
});

const workerDied = () =>
  fleet.deaths.length > 0
    ? `worker pid ${fleet.deaths[0]!.pid} exited (${fleet.deaths[0]!.code ?? fleet.deaths[0]!.signal})`
    : undefined;

function assertWorkersAlive() {
  assert.deepEqual(
    fleet.deaths,
    [],
    `a worker exited instead of reconnecting:\n${fleet.deaths.map((d) => `pid ${d.pid} exit ${d.code} ${d.signal ?? ''}\n${d.tail}`).join('\n')}`,
  );
  assert.equal(fleet.workers.length, 2);
}

test('PostgreSQL restarted mid-run: workers reconnect, runs complete', async () => {
  const started = Date.now();
  const flowId = await control.importFlow(
    chainFlow(server.url, 5, 400, 'Fault injection: restart'),
  );
  const ids = await control.startRuns(flowId, 12, (i) => ({ key: `restart-${i}` }));
  await sleep(1500);
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from task_runs where state = 'running' and flow_run_id = any($1::uuid[])`,
    [ids],
  );
  // Down for 3 s: longer than a poll, shorter than a lease.
  await db.restart(3000);
  await waitForRuns(db, ids, RUN_BOUND_MS, () => fleet.tails(40), workerDied);
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  const states = await runStates(db, ids);
  reportScenario({
    scenario: 'pg-restart',
    iterations: 1,
    runs: ids.length,
    outcome: `${JSON.stringify(states)}; ${violations.length === 0 ? 'invariants hold' : 'VIOLATIONS'}`,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: `${rows[0]?.n ?? 0} tasks running at the stop; database down 3 s`,
  });
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(states.completed, ids.length, JSON.stringify(states));
  assertWorkersAlive();
});

test("pg_terminate_backend on the workers' connections: workers reconnect, runs complete", async () => {
  const started = Date.now();
  const flowId = await control.importFlow(
    chainFlow(server.url, 5, 400, 'Fault injection: terminate'),
  );
  const ids = await control.startRuns(flowId, 12, (i) => ({ key: `terminate-${i}` }));
  let terminated = 0;
  const names = new Set<string>();
  for (let round = 0; round < 4; round++) {
    await sleep(1200);
    // Only the worker processes' connections (matched by socket), every kind:
    // the engine pool (pipewright), pg-boss (pipewright-boss), LISTEN (pipewright-listen).
    const killed = await terminateBackendsOf(
      db,
      fleet.workers.map((w) => w.pid),
    );
    for (const name of killed.names) names.add(name);
    terminated += killed.count;
  }
  await waitForRuns(db, ids, RUN_BOUND_MS, () => fleet.tails(40), workerDied);
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  const states = await runStates(db, ids);
  reportScenario({
    scenario: 'pg-terminate',
    iterations: 4,
    runs: ids.length,
    outcome: `${JSON.stringify(states)}; ${violations.length === 0 ? 'invariants hold' : 'VIOLATIONS'}`,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: `${terminated} backends terminated in 4 rounds (${[...names].join(', ')})`,
  });
  assert.ok(terminated > 0, 'no worker connection was terminated');
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(states.completed, ids.length, JSON.stringify(states));
  assertWorkersAlive();
});
