import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { crashFlow, startSlowServer } from '../flows';
import {
  type Control,
  check,
  describeViolations,
  reportScenario,
  runStates,
  type ScenarioDatabase,
  seededRandom,
  sleep,
  startControl,
  startScenarioDatabase,
  suiteOptions,
  WorkerFleet,
  waitForRuns,
} from '../harness';

/**
 * SIGKILL at random points. Each iteration has a seed: two worker
 * processes (restarted when they die, like a process manager would) kill
 * themselves at the engine's fault points with a small probability each
 * (before the claim, after it, after the task's code returned but before
 * its outcome committed, and after the outcome and the successors'
 * dispatch committed — in this engine those two commit in one
 * transaction, so "between output commit and successor enqueue" has no
 * gap to kill in, and `after-finish` is the nearest point); on top of
 * that the harness SIGKILLs a worker that is mid-task at a seeded moment.
 * Every run must end, the checker must find nothing.
 */

const { ci, seed: replay } = suiteOptions();
const BASE_SEED = 9_000;
const ITERATIONS = replay !== undefined ? 1 : ci ? 6 : 20;
const RUNS_PER_ITERATION = 4;
const POINT_CHANCE = 0.04;
/** Each crash costs a lease (10 s) before it is noticed; a run may meet several. */
const RUN_BOUND_MS = 240_000;

let db: ScenarioDatabase;
let control: Control;
let server: Awaited<ReturnType<typeof startSlowServer>>;

before(async () => {
  db = await startScenarioDatabase('sigkill');
  control = await startControl(db);
  server = await startSlowServer();
  await db.pool.query(`insert into concurrency_limits (tag, max_running) values ('faults', 2)`);
});
after(async () => {
  await control?.close();
  await server?.close();
  await db?.close();
});

test(`SIGKILL at random points: ${ITERATIONS} seeded iteration(s)`, async () => {
  const started = Date.now();
  const flowId = await control.importFlow(crashFlow(server.url, 'faults'));
  const seeds =
    replay !== undefined ? [replay] : Array.from({ length: ITERATIONS }, (_, i) => BASE_SEED + i);
  const allRuns: string[] = [];
  const kills: Record<string, number> = {};
  const outcomes: string[] = [];
  for (const seed of seeds) {
    const t0 = Date.now();
    const random = seededRandom(seed);
    const fleet = new WorkerFleet({
      db,
      count: 2,
      concurrency: 4,
      restart: true,
      env: (slot, generation) => ({
        PIPEWRIGHT_FAULTS: ['before-claim', 'after-claim', 'before-finish', 'after-finish']
          .map((p) => `${p}:${POINT_CHANCE}`)
          .join(','),
        // Every incarnation rolls its own dice, all derived from the iteration's seed.
        PIPEWRIGHT_FAULT_SEED: String(seed * 1000 + slot * 100 + generation),
      }),
    });
    await fleet.start();
    const ids = await control.startRuns(flowId, RUNS_PER_ITERATION, (i) => ({
      key: `${seed}-${i}`,
    }));
    allRuns.push(...ids);

    // Mid-task: at a seeded moment, SIGKILL a worker that has a task running.
    await sleep(300 + Math.floor(random() * 2500));
    const { rows } = await db.pool.query<{ worker_id: string }>(
      `select distinct worker_id from task_runs
       where state = 'running' and suspended_state is null and flow_run_id = any($1::uuid[])`,
      [ids],
    );
    const busy = fleet.workers.filter((w) => rows.some((r) => r.worker_id === w.workerId));
    const victim = busy[Math.floor(random() * busy.length)];
    if (victim) {
      await fleet.kill(victim.slot, 'SIGKILL');
      kills['mid-task (external)'] = (kills['mid-task (external)'] ?? 0) + 1;
    }

    try {
      await waitForRuns(db, ids, RUN_BOUND_MS, () => `seed ${seed}\n${fleet.tails()}`);
    } finally {
      await fleet.stop();
    }
    for (const death of fleet.deaths) {
      if (death.faultPoint) kills[death.faultPoint] = (kills[death.faultPoint] ?? 0) + 1;
    }
    const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
    const states = await runStates(db, ids);
    const line = `seed ${seed}: ${JSON.stringify(states)}, ${fleet.deaths.filter((d) => d.signal === 'SIGKILL').length} worker deaths, ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    outcomes.push(line);
    process.stdout.write(`# ${line}\n`);
    assert.deepEqual(
      violations,
      [],
      `seed ${seed} (replay: npm run test:faults -- sigkill --seed ${seed})\n${describeViolations(violations)}`,
    );
  }

  const states = await runStates(db, allRuns);
  // Every run must have completed: a task is retried after each lost
  // worker (up to 3 such losses on top of its own retries).
  const failed = await db.pool.query(
    `select fr.id, tr.node_id, tr.state_reason from flow_runs fr join task_runs tr on tr.flow_run_id = fr.id
     where fr.id = any($1::uuid[]) and fr.state <> 'completed' and tr.state not in ('completed','cached','skipped')`,
    [allRuns],
  );
  reportScenario({
    scenario: 'sigkill',
    iterations: seeds.length,
    runs: allRuns.length,
    outcome: `${JSON.stringify(states)}; invariants hold`,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: `seeds ${seeds[0]}–${seeds.at(-1)}; kills: ${JSON.stringify(kills)}`,
  });
  assert.equal(
    states.completed,
    allRuns.length,
    `not every run completed: ${JSON.stringify(failed.rows)}`,
  );
});
