/**
 * Worker pools, end to end with real worker processes: a task pinned to
 * pool `gpu` is never taken by a default worker and waits, saying why,
 * until `pipewright worker --pool gpu` starts; that worker then runs it and
 * takes nothing from the default pool.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { taskRuns } from '@/db/schema';
import { listWorkers } from '@/server/worker/list';
import { type PipewrightProcess, spawnPipewright } from '../helpers/app';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { sandboxHostPids } from '../helpers/sandbox-hosts';

let engine: TestEngine;

before(async () => {
  // The engine's in-process worker serves the default pool only.
  engine = await startTestEngine();
});
after(async () => {
  await engine.close();
});

function startWorkerProcess(
  args: string[],
  extraEnv: Record<string, string> = {},
): PipewrightProcess {
  return spawnPipewright(args, { DATABASE_URL: engine.tdb.url, ...extraEnv });
}

const code = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'code',
  config: { source: `return "${id}";` },
  ...extra,
});

test('a gpu task waits for a gpu worker; the gpu worker takes only gpu tasks', async () => {
  const defaultWorker = engine.booted.worker!.id;
  const id = await engine.run({
    version: 1,
    name: 'pinned to gpu',
    nodes: [code('prepare'), code('train', { pool: 'gpu' }), code('report')],
    edges: [
      { source: 'prepare', target: 'train' },
      { source: 'train', target: 'report' },
    ],
  });

  // The default worker runs `prepare`, then nothing takes `train`.
  const deadline = Date.now() + 15_000;
  let train: typeof taskRuns.$inferSelect | undefined;
  for (;;) {
    [train] = await engine.tdb.db
      .select()
      .from(taskRuns)
      .where(eq(taskRuns.id, (await engine.api.runs.get({ id })).tasks[1]!.id));
    if (train?.queuedAt) break;
    if (Date.now() > deadline) throw new Error('train was never queued');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Time for a default worker to (wrongly) take it: several polls.
  await new Promise((r) => setTimeout(r, 2500));
  const waiting = await engine.api.runs.get({ id });
  assert.equal(taskOf(waiting, 'prepare').state, 'completed');
  assert.equal(taskOf(waiting, 'train').state, 'pending');
  assert.equal(taskOf(waiting, 'train').pool, 'gpu');

  const why = await engine.api.runs.why({ id });
  assert.equal(why.reason?.kind, 'no-worker');
  assert.equal(why.reason?.pool, 'gpu');
  assert.equal(why.reason?.nodeId, 'train');
  assert.equal(why.reason?.message, 'No worker is online in pool gpu.');
  assert.equal(why.reason?.command, 'npx pipewright worker --pool gpu');
  const trainWhy = why.tasks.find((t) => t.nodeId === 'train');
  assert.equal(trainWhy?.reason.kind, 'no-worker');
  assert.equal(why.tasks.find((t) => t.nodeId === 'report')?.reason.kind, 'upstream');

  const gpu = startWorkerProcess(['worker', '--pool', 'gpu']);
  try {
    const run = await engine.waitForRun(id, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\ngpu worker output:\n${gpu.output()}`);
    });
    assert.equal(run.state, 'completed', gpu.output());
    const gpuWorker = taskOf(run, 'train').attempts[0]!.workerId!;
    assert.ok(gpuWorker.endsWith(`:${gpu.pid}`), `train ran on ${gpuWorker}`);
    assert.equal(taskOf(run, 'prepare').attempts[0]!.workerId, defaultWorker);
    assert.equal(taskOf(run, 'report').attempts[0]!.workerId, defaultWorker);
    assert.match(gpu.output(), /pool gpu/);
    assert.deepEqual((await engine.api.runs.why({ id })).reason, null);

    // The worker process runs below the priority of a web server beside it
    // (PIPEWRIGHT_WORKER_NICENESS, 5 by default), its sandbox hosts 5 lower still.
    const ours = os.getPriority();
    assert.equal(os.getPriority(gpu.pid), Math.min(19, ours + 5));
    const hosts = sandboxHostPids(gpu.pid);
    assert.ok(hosts.length > 0, 'the gpu worker has sandbox hosts');
    for (const host of hosts) assert.equal(os.getPriority(host), Math.min(19, ours + 10));

    const listed = (await listWorkers(engine.tdb.db)).find((w) => w.id === gpuWorker);
    assert.deepEqual(listed?.pools, ['gpu']);
    assert.equal(listed?.online, true);

    // With the gpu worker up, default tasks still go to the default worker only.
    const many = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'default pool',
        nodes: Array.from({ length: 6 }, (_, i) => code(`t${i}`)),
        edges: [],
      }),
    );
    assert.equal(many.state, 'completed');
    assert.deepEqual([...new Set(many.tasks.map((t) => t.attempts[0]!.workerId))], [defaultWorker]);

    // A graceful stop of the process marks it stopped at once.
    gpu.kill('SIGTERM');
    await new Promise((r) => gpu.once('exit', r));
    const stopped = (await listWorkers(engine.tdb.db)).find((w) => w.id === gpuWorker);
    assert.equal(stopped?.online, false);
    assert.ok(stopped?.stoppedAt);
  } finally {
    if (gpu.exitCode === null) gpu.kill('SIGKILL');
  }
});

test('pool names are checked: a document and the --pool flag name the problem', async () => {
  await assert.rejects(
    engine.api.flows.import({
      document: {
        version: 1,
        name: 'bad pool',
        nodes: [code('a', { pool: 'GPU box' })],
        edges: [],
      },
    }),
    /pool name/,
  );
  const bad = startWorkerProcess(['worker', '--pool', 'GPU box']);
  const exitCode = await new Promise((r) => bad.once('exit', r));
  assert.equal(exitCode, 1);
  assert.match(bad.output(), /--pool "GPU box" is not a pool name/);
});

test('PIPEWRIGHT_WORKER_POOLS sets the pools of a worker started without --pool', async () => {
  const defaultWorker = engine.booted.worker!.id;
  const etl = startWorkerProcess(['worker'], { PIPEWRIGHT_WORKER_POOLS: 'etl' });
  try {
    const id = await engine.run({
      version: 1,
      name: 'etl by env',
      nodes: [code('extract', { pool: 'etl' }), code('load', { pool: 'etl' }), code('notify')],
      edges: [
        { source: 'extract', target: 'load' },
        { source: 'load', target: 'notify' },
      ],
    });
    const run = await engine.waitForRun(id, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\netl worker output:\n${etl.output()}`);
    });
    assert.equal(run.state, 'completed', etl.output());
    assert.match(etl.output(), /pool etl/);
    const etlWorker = taskOf(run, 'extract').attempts[0]!.workerId!;
    assert.ok(etlWorker.endsWith(`:${etl.pid}`), `extract ran on ${etlWorker}`);
    assert.equal(taskOf(run, 'load').attempts[0]!.workerId, etlWorker);
    // The etl worker does not take the default pool's task.
    assert.equal(taskOf(run, 'notify').attempts[0]!.workerId, defaultWorker);
    const listed = (await listWorkers(engine.tdb.db)).find((w) => w.id === etlWorker);
    assert.deepEqual(listed?.pools, ['etl']);

    // Nor does it take default tasks while idle and polling.
    const many = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'default pool beside etl',
        nodes: Array.from({ length: 6 }, (_, i) => code(`d${i}`)),
        edges: [],
      }),
    );
    assert.deepEqual([...new Set(many.tasks.map((t) => t.attempts[0]!.workerId))], [defaultWorker]);
  } finally {
    etl.kill('SIGTERM');
    await new Promise((r) => (etl.exitCode === null ? etl.once('exit', r) : r(null)));
  }
});

test('a bad PIPEWRIGHT_WORKER_POOLS stops the worker with the variable named', async () => {
  const bad = startWorkerProcess(['worker'], { PIPEWRIGHT_WORKER_POOLS: 'etl,Big Box' });
  const exitCode = await new Promise((r) => bad.once('exit', r));
  assert.equal(exitCode, 1);
  assert.match(bad.output(), /PIPEWRIGHT_WORKER_POOLS: must be pool names/);
});
