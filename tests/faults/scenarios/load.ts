import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningApp, startApp } from '../../helpers/app';
import { sessionClient, signUpOwner } from '../../helpers/auth';
import { fanFlow } from '../flows';
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
  suiteOptions,
  unfinishedRuns,
  WorkerFleet,
} from '../harness';

/**
 * 1,000 concurrent runs of a ten-task flow (10,000 tasks) across two
 * worker processes, with the real web process (`pipewright start`, its
 * in-process worker off: PIPEWRIGHT_WORKER=0) serving `runs.list` over
 * HTTP to a signed-in owner the whole time. Every run must complete, the
 * checker must find nothing, and the list's p95 must stay under 200 ms
 * while the load lasts (measured honestly, reported as measured).
 */

const { ci } = suiteOptions();
const RUNS = ci ? 200 : 1000;
const RUN_BOUND_MS = 20 * 60_000;
const P95_TARGET_MS = 200;

let db: ScenarioDatabase;
let control: Control;
let app: RunningApp;
let fleet: WorkerFleet;

before(async () => {
  db = await startScenarioDatabase('load');
  control = await startControl(db);
  app = await startApp({
    DATABASE_URL: db.url,
    PIPEWRIGHT_WORKER: '0',
    PIPEWRIGHT_DATA_DIR: db.dataDir,
    PIPEWRIGHT_FAULTS: '',
  });
  fleet = new WorkerFleet({ db, count: 2, concurrency: 8 });
  await fleet.start();
});
after(async () => {
  await fleet?.stop();
  await app?.stop();
  await control?.close();
  await db?.close();
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

test(`${RUNS} concurrent runs of a 10-task flow on 2 workers: all complete, runs.list stays responsive`, async () => {
  const owner = await signUpOwner(app);
  const client = sessionClient(app, owner);
  const flowId = await control.importFlow(fanFlow());
  await client.runs.list.query({}); // first request compiles the route: not part of the load

  const started = Date.now();
  const latencies: number[] = [];
  let loading = true;
  const sampler = (async () => {
    while (loading) {
      const t0 = performance.now();
      const page = await client.runs.list.query({});
      latencies.push(performance.now() - t0);
      assert.ok(Array.isArray(page.runs));
      await sleep(100);
    }
  })();

  // Started as fast as the control process can (each start is one transaction).
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i += 50) {
    ids.push(...(await control.startRuns(flowId, Math.min(50, RUNS - i))));
  }
  const startedAllMs = Date.now() - started;
  let peakUnfinished = 0;
  try {
    for (;;) {
      const left = await unfinishedRuns(db, ids);
      peakUnfinished = Math.max(peakUnfinished, left);
      if (left === 0) break;
      if (Date.now() - started > RUN_BOUND_MS)
        throw new Error(`${left} runs unfinished after ${RUN_BOUND_MS} ms`);
      await sleep(1000);
    }
  } finally {
    loading = false;
    await sampler;
  }
  const elapsed = (Date.now() - started) / 1000;
  // The same call with the load gone: what the query and the request path
  // cost by themselves, to tell them from contention for the two cores.
  const idle: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    await client.runs.list.query({});
    idle.push(performance.now() - t0);
  }
  idle.sort((a, b) => a - b);
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  const max = sorted.at(-1) ?? Number.NaN;
  const states = await runStates(db, ids);
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  const tasks = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from task_runs where flow_run_id = any($1::uuid[]) and state = 'completed'`,
    [ids],
  );
  reportScenario({
    scenario: 'load',
    iterations: 1,
    runs: ids.length,
    outcome: `${JSON.stringify(states)}, ${tasks.rows[0]?.n} tasks completed in ${elapsed.toFixed(0)} s (${((tasks.rows[0]?.n ?? 0) / elapsed).toFixed(0)} tasks/s); runs.list over HTTP: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${max.toFixed(0)} ms (${latencies.length} calls; afterwards, idle: p50 ${percentile(idle, 50).toFixed(0)} ms, p95 ${percentile(idle, 95).toFixed(0)} ms); ${violations.length === 0 ? 'invariants hold' : 'VIOLATIONS'}`,
    seconds: Math.round(elapsed),
    notes: `all ${ids.length} started in ${(startedAllMs / 1000).toFixed(1)} s; up to ${peakUnfinished} unfinished at once`,
  });
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(states.completed, ids.length, JSON.stringify(states));
  assert.equal(tasks.rows[0]?.n, ids.length * 10);
  measured = { p50, p95, calls: latencies.length };
});

let measured: { p50: number; p95: number; calls: number } | undefined;

/**
 * The responsiveness target, checked on the figures above. With the
 * old engine (a pg-boss round trip per task) it was missed on a shared
 * 2-core machine: p95 385 ms at 1,000 runs. Since the hand-off it holds:
 * p95 92 ms at 1,000 runs on a quiet machine, 95–132 ms at the CI size
 * under CI's own load (RELIABILITY.md).
 */
test(`runs.list p95 under ${P95_TARGET_MS} ms during the load`, () => {
  assert.ok(measured, 'the load test did not finish');
  assert.ok(
    measured.p95 < P95_TARGET_MS,
    `runs.list p95 ${measured.p95.toFixed(0)} ms during the load (target ${P95_TARGET_MS} ms; p50 ${measured.p50.toFixed(0)} ms, ${measured.calls} calls)`,
  );
});
