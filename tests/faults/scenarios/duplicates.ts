import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { json } from '../../helpers/http-server';
import { startSlowServer } from '../flows';
import {
  type Control,
  check,
  describeViolations,
  reportScenario,
  type ScenarioDatabase,
  startControl,
  startScenarioDatabase,
  WorkerFleet,
  waitFor,
  waitForRuns,
} from '../harness';

/**
 * Duplicate and late deliveries. pg-boss is only delivery: the same job
 * payload ({ taskRunId, attempt }) may arrive twice, or late, and must
 * change nothing. The harness sends the copies itself, straight into the
 * task queue, to two real worker processes:
 * - again after the task ran (every task of a finished run);
 * - while it runs (five copies of the running attempt);
 * - an old attempt number after a retry succeeded.
 * The proof: the database rows are byte-for-byte what they were, the
 * endpoint each task calls saw exactly one request per attempt, and the
 * checker finds no second output.
 */

const TASK_QUEUE = 'task-attempt';
let db: ScenarioDatabase;
let control: Control;
let server: Awaited<ReturnType<typeof startSlowServer>>;
let fleet: WorkerFleet;
/** Requests per key; `/flaky?key=` fails the first time it sees a key. */
const flakySeen = new Set<string>();

before(async () => {
  db = await startScenarioDatabase('duplicates');
  control = await startControl(db);
  server = await startSlowServer((_req, res, url) => {
    if (url.pathname !== '/flaky') return false;
    const key = url.searchParams.get('key') ?? '';
    if (flakySeen.has(key)) json(res, 200, { key, ok: true });
    else {
      flakySeen.add(key);
      json(res, 503, { key, error: 'first call fails' });
    }
    return true;
  });
  fleet = new WorkerFleet({ db, count: 2, concurrency: 4 });
  await fleet.start();
});
after(async () => {
  await fleet?.stop();
  await control?.close();
  await server?.close();
  await db?.close();
});

/** Everything a duplicate could change, as text. */
async function snapshot(runId: string): Promise<string> {
  const tasks = await db.pool.query(
    `select id, node_id, state, attempt, output, error, started_at, ended_at, holds_slot,
       crash_count, worker_id from task_runs where flow_run_id = $1 order by node_id`,
    [runId],
  );
  const attempts = await db.pool.query(
    `select a.* from task_attempts a join task_runs t on t.id = a.task_run_id
     where t.flow_run_id = $1 order by a.task_run_id, a.attempt`,
    [runId],
  );
  const transitions = await db.pool.query(
    'select id, task_run_id, from_state, to_state, attempt from run_transitions where flow_run_id = $1 order by id',
    [runId],
  );
  const run = await db.pool.query(
    'select state, state_reason, ended_at from flow_runs where id = $1',
    [runId],
  );
  return JSON.stringify({
    run: run.rows,
    tasks: tasks.rows,
    attempts: attempts.rows,
    transitions: transitions.rows,
  });
}

/** Sends copies of a task's job and waits until workers have taken and finished every copy. */
async function deliver(
  payloads: { taskRunId: string; attempt: number; flowRunId: string; nodeId: string }[],
) {
  const boss = control.booted.runtime.boss;
  const ids: string[] = [];
  for (const payload of payloads) {
    const id = await boss.send(TASK_QUEUE, payload, { retryLimit: 0 });
    assert.ok(id);
    ids.push(id);
  }
  await db.pool.query(`select pg_notify('pipewright_wake', $1)`, [TASK_QUEUE]);
  await waitFor(
    `${ids.length} duplicate deliveries handled`,
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pgboss.job where id = any($1::uuid[]) and state = 'completed'`,
        [ids],
      );
      return rows[0]?.n === ids.length;
    },
    60_000,
  );
  return ids.length;
}

async function tasksOf(runId: string) {
  const { rows } = await db.pool.query<{
    id: string;
    node_id: string;
    attempt: number;
    state: string;
  }>('select id, node_id, attempt, state from task_runs where flow_run_id = $1 order by node_id', [
    runId,
  ]);
  return rows;
}

const requestsFor = (key: string) =>
  server.requests.filter((r) => r.url.includes(`key=${key}`)).length;

test('duplicate and late deliveries of the same job change nothing', async () => {
  const started = Date.now();
  let copies = 0;
  const runIds: string[] = [];

  // 1. Again after it ran: every task of a finished three-task run.
  const chain = await control.importFlow({
    version: 1,
    name: 'Duplicates: chain',
    params: { key: { type: 'string' } },
    nodes: ['a', 'b', 'c'].map((id, i) => ({
      id,
      type: 'http',
      position: { x: i * 200, y: 0 },
      config: { url: `${server.url}/sleep?ms=50&key={{ params.key }}-${id}` },
    })),
    edges: [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
    ],
  });
  const [done] = await control.startRuns(chain, 1, () => ({ key: 'after' }));
  runIds.push(done!);
  await waitForRuns(db, [done!], 60_000);
  const before1 = await snapshot(done!);
  const tasks = await tasksOf(done!);
  copies += await deliver(
    tasks.flatMap((t) =>
      [1, 2].map(() => ({
        taskRunId: t.id,
        attempt: t.attempt,
        flowRunId: done!,
        nodeId: t.node_id,
      })),
    ),
  );
  assert.equal(await snapshot(done!), before1, 'a duplicate delivery after the run changed it');
  for (const id of ['a', 'b', 'c'])
    assert.equal(requestsFor(`after-${id}`), 1, `task ${id} called twice`);

  // 2. While it runs: five copies of the running attempt.
  const slow = await control.importFlow({
    version: 1,
    name: 'Duplicates: slow',
    params: { key: { type: 'string' } },
    nodes: [
      {
        id: 'slow',
        type: 'http',
        position: { x: 0, y: 0 },
        config: { url: `${server.url}/sleep?ms=3000&key={{ params.key }}` },
      },
    ],
    edges: [],
  });
  const [running] = await control.startRuns(slow, 1, () => ({ key: 'during' }));
  runIds.push(running!);
  await waitFor(
    'the slow task to run',
    async () => (await tasksOf(running!))[0]?.state === 'running',
    30_000,
    50,
  );
  const task = (await tasksOf(running!))[0]!;
  const sends = deliver(
    Array.from({ length: 5 }, () => ({
      taskRunId: task.id,
      attempt: task.attempt,
      flowRunId: running!,
      nodeId: 'slow',
    })),
  );
  copies += await sends;
  await waitForRuns(db, [running!], 60_000);
  const during = await db.pool.query('select state, attempt from task_runs where id = $1', [
    task.id,
  ]);
  assert.deepEqual(during.rows[0], { state: 'completed', attempt: 1 });
  assert.equal(requestsFor('during'), 1, 'a copy delivered mid-run ran the task again');

  // 3. Late: attempt 1's job after a retry (attempt 2) completed the task.
  const flaky = await control.importFlow({
    version: 1,
    name: 'Duplicates: retried',
    params: { key: { type: 'string' } },
    nodes: [
      {
        id: 'flaky',
        type: 'http',
        position: { x: 0, y: 0 },
        config: { url: `${server.url}/flaky?key={{ params.key }}` },
        retry: { retries: 2, delaySeconds: 0 },
      },
    ],
    edges: [],
  });
  const [retried] = await control.startRuns(flaky, 1, () => ({ key: 'late' }));
  runIds.push(retried!);
  await waitForRuns(db, [retried!], 60_000);
  const flakyTask = (await tasksOf(retried!))[0]!;
  assert.deepEqual([flakyTask.state, flakyTask.attempt], ['completed', 2]);
  const before3 = await snapshot(retried!);
  copies += await deliver(
    [1, 1, 2].map((attempt) => ({
      taskRunId: flakyTask.id,
      attempt,
      flowRunId: retried!,
      nodeId: 'flaky',
    })),
  );
  assert.equal(
    await snapshot(retried!),
    before3,
    'a late delivery of an old attempt changed the run',
  );
  assert.equal(server.requests.filter((r) => r.url.includes('/flaky')).length, 2);

  const violations = await check(db, { runIds: new Set(runIds) });
  reportScenario({
    scenario: 'duplicates',
    iterations: 3,
    runs: runIds.length,
    outcome: `${copies} extra deliveries: nothing changed, one request per attempt; ${violations.length === 0 ? 'invariants hold' : 'VIOLATIONS'}`,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  assert.deepEqual(violations, [], describeViolations(violations));
});
