import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../helpers/app';
import { chainFlow, startSlowServer } from '../flows';
import {
  type Control,
  check,
  childPids,
  describeViolations,
  reportScenario,
  runStates,
  type ScenarioDatabase,
  startControl,
  startScenarioDatabase,
  unfinishedTasks,
  WorkerFleet,
  waitForRuns,
} from '../harness';

/**
 * Poison tasks: work that crashes whatever runs it, every time. Retries
 * must be bounded, the poisoned run must fail with a clear reason, and the
 * runs beside it must not notice (beyond a retry of what the crash took).
 * - A code task whose source overflows V8's stack inside the sandbox's
 *   WebAssembly (deeply nested parentheses through eval): the sandbox host
 *   process exits each time and is replaced; the worker lives.
 * - A custom task type that SIGKILLs its own worker each time (custom
 *   types run in the worker process): the lease lapses, the sweeper
 *   retries it as a lost attempt up to 3 times, then gives up.
 */

const TASKS_DIR = path.join(repoRoot, 'tests/faults/tasks');
const RUN_BOUND_MS = 180_000;
const POISON_SOURCE = "return eval('('.repeat(100000) + '1' + ')'.repeat(100000));";

let db: ScenarioDatabase;
let control: Control;
let server: Awaited<ReturnType<typeof startSlowServer>>;
let fleet: WorkerFleet;
const outcomes: string[] = [];
let runsSeen = 0;
const started = Date.now();

before(async () => {
  db = await startScenarioDatabase('poison');
  control = await startControl(db, { PIPEWRIGHT_TASKS_DIR: TASKS_DIR });
  server = await startSlowServer();
  fleet = new WorkerFleet({
    db,
    count: 2,
    concurrency: 4,
    restart: true,
    env: () => ({ PIPEWRIGHT_TASKS_DIR: TASKS_DIR }),
  });
  await fleet.start();
});
after(async () => {
  reportScenario({
    scenario: 'poison',
    iterations: outcomes.length,
    runs: runsSeen,
    outcome: outcomes.join('; '),
    seconds: Math.round((Date.now() - started) / 1000),
  });
  await fleet?.stop();
  await control?.close();
  await server?.close();
  await db?.close();
});

async function poisonedTask(runId: string) {
  const run = await db.pool.query<{ state: string; state_reason: string | null }>(
    'select state, state_reason from flow_runs where id = $1',
    [runId],
  );
  const attempts = await db.pool.query<{
    attempt: number;
    state: string;
    error: { message: string } | null;
  }>(
    `select a.attempt, a.state, a.error from task_attempts a join task_runs t on t.id = a.task_run_id
     where t.flow_run_id = $1 order by a.attempt`,
    [runId],
  );
  const task = await db.pool.query<{ state_reason: string | null }>(
    'select state_reason from task_runs where flow_run_id = $1',
    [runId],
  );
  return { run: run.rows[0]!, task: task.rows[0]!, attempts: attempts.rows };
}

async function healthyRuns(tag: string) {
  const flowId = await control.importFlow(chainFlow(server.url, 3, 300, `Healthy beside ${tag}`));
  const ids = await control.startRuns(flowId, 8, (i) => ({ key: `${tag}-${i}` }));
  runsSeen += ids.length;
  return ids;
}

test('a code task that crashes its sandbox every time: bounded retries, the run fails, others complete', async () => {
  const poisonFlow = await control.importFlow({
    version: 1,
    name: 'Poison: sandbox crash',
    nodes: [
      {
        id: 'poison',
        type: 'code',
        position: { x: 0, y: 0 },
        config: { source: POISON_SOURCE },
        retry: { retries: 2, delaySeconds: 0 },
      },
    ],
    edges: [],
  });
  const healthy = await healthyRuns('sandbox');
  const hostsBefore = new Set(fleet.workers.flatMap((w) => childPids(w.pid)));
  const seen = new Set<number>();
  const sampler = setInterval(() => {
    for (const w of fleet.workers) for (const pid of childPids(w.pid)) seen.add(pid);
  }, 20);
  const [poisoned] = await control.startRuns(poisonFlow, 1);
  runsSeen += 1;
  try {
    await waitForRuns(db, [poisoned!, ...healthy], RUN_BOUND_MS, () => fleet.tails());
  } finally {
    clearInterval(sampler);
  }
  const hostsAfter = new Set(fleet.workers.flatMap((w) => childPids(w.pid)));
  const replaced = [...seen, ...hostsBefore].filter((pid) => !hostsAfter.has(pid));
  const { run, task, attempts } = await poisonedTask(poisoned!);
  const states = await runStates(db, healthy);
  const violations = await check(db, {
    runIds: new Set([poisoned!, ...healthy]),
    runBoundMs: RUN_BOUND_MS,
  });
  outcomes.push(
    `sandbox crash: run ${run.state} ("${task.state_reason?.slice(0, 60)}") after ${attempts.length} attempts (${attempts.map((a) => a.state).join(', ')}), ${new Set(replaced).size} sandbox hosts replaced, worker deaths ${fleet.deaths.length}, healthy ${JSON.stringify(states)}`,
  );
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(run.state, 'failed');
  assert.match(run.state_reason ?? '', /"poison"/, `the run names the task: ${run.state_reason}`);
  assert.match(task.state_reason ?? '', /stack/i, `the task says why: ${task.state_reason}`);
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.state]),
    [
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
    ],
  );
  assert.ok(new Set(replaced).size >= 1, 'no sandbox host process died');
  assert.equal(fleet.deaths.length, 0, 'a sandbox crash took its worker with it');
  assert.equal(
    states.completed,
    healthy.length,
    JSON.stringify({ states, unfinished: await unfinishedTasks(db, healthy) }),
  );
});

test('a task that kills its worker every time: retried 3 times as lost, then the run fails; others complete', async () => {
  const poisonFlow = await control.importFlow({
    version: 1,
    name: 'Poison: worker crash',
    nodes: [
      {
        id: 'pill',
        type: 'poison-pill',
        position: { x: 0, y: 0 },
        config: {},
        retry: { retries: 0 },
      },
    ],
    edges: [],
  });
  const healthy = await healthyRuns('worker');
  const [poisoned] = await control.startRuns(poisonFlow, 1);
  runsSeen += 1;
  await waitForRuns(db, [poisoned!, ...healthy], RUN_BOUND_MS, () => fleet.tails());
  const { run, task, attempts } = await poisonedTask(poisoned!);
  const states = await runStates(db, healthy);
  const violations = await check(db, {
    runIds: new Set([poisoned!, ...healthy]),
    runBoundMs: RUN_BOUND_MS,
  });
  const kills = fleet.deaths.filter((d) => d.signal === 'SIGKILL').length;
  outcomes.push(
    `worker crash: run ${run.state} ("${task.state_reason?.slice(0, 60)}") after ${attempts.length} attempts (${attempts.map((a) => a.state).join(', ')}), ${kills} workers killed, healthy ${JSON.stringify(states)}`,
  );
  assert.deepEqual(violations, [], describeViolations(violations));
  assert.equal(run.state, 'failed');
  assert.match(run.state_reason ?? '', /"pill"/, `the run names the task: ${run.state_reason}`);
  assert.match(
    task.state_reason ?? '',
    /worker died 4 times/,
    `the task says why: ${task.state_reason}`,
  );
  assert.deepEqual(
    attempts.map((a) => a.state),
    ['crashed', 'crashed', 'crashed', 'crashed'],
  );
  assert.equal(kills, 4, 'each attempt killed one worker');
  assert.equal(
    states.completed,
    healthy.length,
    JSON.stringify({ states, unfinished: await unfinishedTasks(db, healthy) }),
  );
});
