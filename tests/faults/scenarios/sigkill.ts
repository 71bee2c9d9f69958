import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeChainFlow, crashFlow, startSlowServer } from '../flows';
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
 * Each iteration also runs a chain of quick code tasks, which a worker runs
 * ahead of its commits: killed anywhere, it must still end with every task
 * run once, in order. Every run must end, the checker must find nothing.
 */

const { ci, seed: replay } = suiteOptions();
const BASE_SEED = 9_000;
const ITERATIONS = replay !== undefined ? 1 : ci ? 4 : 20;
const RUNS_PER_ITERATION = 4;
const POINT_CHANCE = 0.03;
/** Iterations at once, each with its own two workers. */
const PARALLEL = 4;
/** Tasks in each iteration's code chain. */
const CHAIN_LENGTH = 40;
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

interface IterationResult {
  seed: number;
  runIds: string[];
  line: string;
  problems: string[];
  kills: Record<string, number>;
}

/** One seeded iteration: its own two workers, four runs and a chain, kills, then the checker. */
async function iteration(
  flows: { diamond: string; chain: string },
  seed: number,
): Promise<IterationResult> {
  const t0 = Date.now();
  const random = seededRandom(seed);
  const kills: Record<string, number> = {};
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
  const ids = await control.startRuns(flows.diamond, RUNS_PER_ITERATION, (i) => ({
    key: `${seed}-${i}`,
  }));
  const [chainRun] = await control.startRuns(flows.chain, 1);
  ids.push(chainRun!);
  const problems: string[] = [];
  try {
    // Mid-task: at a seeded moment, SIGKILL a worker that has a task of ours running.
    await sleep(300 + Math.floor(random() * 2500));
    // (Its own fault points may have just killed one: look again for a while.)
    let busy: typeof fleet.workers = [];
    for (let tries = 0; tries < 40 && busy.length === 0; tries++) {
      if (tries > 0) await sleep(250);
      const { rows } = await db.pool.query<{ worker_id: string }>(
        `select distinct worker_id from task_runs
         where state = 'running' and suspended_state is null and flow_run_id = any($1::uuid[])`,
        [ids],
      );
      busy = fleet.workers.filter((w) => rows.some((r) => r.worker_id === w.workerId));
    }
    const victim = busy[Math.floor(random() * busy.length)];
    if (victim) {
      await fleet.kill(victim.slot, 'SIGKILL');
      kills['mid-task (external)'] = 1;
    }
    await waitForRuns(db, ids, RUN_BOUND_MS, () => fleet.tails());
  } catch (err) {
    problems.push((err as Error).message);
  } finally {
    await fleet.stop();
  }
  for (const death of fleet.deaths) {
    if (death.faultPoint) kills[death.faultPoint] = (kills[death.faultPoint] ?? 0) + 1;
  }
  const violations = await check(db, { runIds: new Set(ids), runBoundMs: RUN_BOUND_MS });
  if (violations.length > 0) problems.push(describeViolations(violations));
  const states = await runStates(db, ids);
  if (states.completed !== ids.length) {
    const { rows } = await db.pool.query(
      `select tr.node_id, tr.state, tr.state_reason from task_runs tr
       where tr.flow_run_id = any($1::uuid[]) and tr.state not in ('completed','cached','skipped')`,
      [ids],
    );
    problems.push(`not every run completed: ${JSON.stringify(states)} ${JSON.stringify(rows)}`);
    // What each attempt of those tasks met, with the worker deaths: enough
    // to tell bad luck (a task whose worker died over and over) from a bug.
    const { rows: attempts } = await db.pool.query(
      `select tr.node_id, a.attempt, a.state, a.worker_id,
         to_char(a.started_at, 'HH24:MI:SS.MS') as started, to_char(a.ended_at, 'HH24:MI:SS.MS') as ended,
         a.error->>'message' as error
       from task_attempts a join task_runs tr on tr.id = a.task_run_id
       where tr.flow_run_id = any($1::uuid[]) and tr.state not in ('completed','cached','skipped')
       order by tr.node_id, a.attempt`,
      [ids],
    );
    problems.push(`their attempts: ${JSON.stringify(attempts)}`);
    problems.push(
      `worker deaths: ${JSON.stringify(fleet.deaths.map((d) => ({ pid: d.pid, signal: d.signal, at: d.faultPoint })))}`,
    );
  }
  const { rows: last } = await db.pool.query<{ output: unknown }>(
    `select output from task_runs where flow_run_id = $1 and node_id = $2`,
    [chainRun, `t${CHAIN_LENGTH - 1}`],
  );
  if (last[0]?.output !== CHAIN_LENGTH) {
    problems.push(
      `the code chain ended with ${JSON.stringify(last[0]?.output)}, not ${CHAIN_LENGTH}`,
    );
  }
  const deaths = fleet.deaths.filter((d) => d.signal === 'SIGKILL').length;
  const line = `seed ${seed}: ${JSON.stringify(states)}, ${deaths} worker deaths ${JSON.stringify(kills)}, ${((Date.now() - t0) / 1000).toFixed(1)} s${problems.length > 0 ? ' FAILED' : ''}`;
  process.stdout.write(`# ${line}\n`);
  return { seed, runIds: ids, line, problems, kills };
}

test(`SIGKILL at random points: ${ITERATIONS} seeded iteration(s)`, async () => {
  const started = Date.now();
  const flows = {
    diamond: await control.importFlow(crashFlow(server.url, 'faults')),
    chain: await control.importFlow(codeChainFlow(CHAIN_LENGTH)),
  };
  const seeds =
    replay !== undefined ? [replay] : Array.from({ length: ITERATIONS }, (_, i) => BASE_SEED + i);
  const results: IterationResult[] = [];
  // A few iterations at a time, each with its own workers: most of an
  // iteration is waiting for leases to lapse, not CPU.
  for (let i = 0; i < seeds.length; i += PARALLEL) {
    results.push(
      ...(await Promise.all(seeds.slice(i, i + PARALLEL).map((s) => iteration(flows, s)))),
    );
  }
  const allRuns = results.flatMap((r) => r.runIds);
  const kills: Record<string, number> = {};
  for (const r of results) {
    for (const [k, n] of Object.entries(r.kills)) kills[k] = (kills[k] ?? 0) + n;
  }
  const failed = results.filter((r) => r.problems.length > 0);
  const states = await runStates(db, allRuns);
  reportScenario({
    scenario: 'sigkill',
    iterations: seeds.length,
    runs: allRuns.length,
    outcome: `${JSON.stringify(states)}; ${failed.length === 0 ? 'invariants hold' : `FAILED seeds ${failed.map((f) => f.seed).join(', ')}`}`,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: `seeds ${seeds[0]}–${seeds.at(-1)}; kills: ${JSON.stringify(kills)}`,
  });
  assert.deepEqual(
    failed.map(
      (f) =>
        `seed ${f.seed} (replay: npm run test:faults -- sigkill --seed ${f.seed})\n${f.problems.join('\n')}`,
    ),
    [],
  );
});
