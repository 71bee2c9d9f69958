/**
 * "Why isn't this running?" against real runs: each reason is worked out
 * from the database — a slot held by another run (named), the flow's own
 * limit, a retry backoff (until when), an approval, upstream tasks, a
 * schedule, a late run, no worker in a pool.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { concurrencyLimits, flowRuns, taskRuns } from '@/db/schema';
import { whyNotRunning } from '@/server/runs/why';
import { startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let engine: TestEngine;
let server: TestServer;
/** Requests to /hold wait until released. */
let release: () => void = () => {};
let held = new Promise<void>((r) => {
  release = r;
});

let openBusyGate: () => void = () => {};
const busyGate = new Promise<void>((r) => {
  openBusyGate = r;
});

before(async () => {
  engine = await startTestEngine();
  server = await startHttpServer(async (req, res) => {
    if (req.url?.startsWith('/hold')) await held;
    if (req.url?.startsWith('/busy')) await busyGate;
    json(res, 200, { ok: true });
  });
});
after(async () => {
  release();
  openBusyGate();
  await server.close();
  await engine.close();
});

async function until<T>(read: () => Promise<T | undefined | false>, what: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const taskState = async (runId: string, nodeId: string) =>
  taskOf(await engine.api.runs.get({ id: runId }), nodeId);

test('a concurrency slot held by another run: the reason names that run; the flow limit names the holder', async () => {
  await engine.tdb.db.insert(concurrencyLimits).values({ tag: 'warehouse', maxRunning: 1 });
  try {
    const document = {
      version: 1,
      name: 'Load warehouse',
      nodes: [
        {
          id: 'load',
          type: 'http',
          config: { url: `${server.url}/hold` },
          concurrencyTag: 'warehouse',
        },
      ],
      edges: [],
    };
    const { flow } = await engine.api.flows.import({ document });
    const first = (await engine.api.runs.start({ flowId: flow.id })).id;
    await until(async () => (await taskState(first, 'load')).state === 'running', 'first run');
    const second = (await engine.api.runs.start({ flowId: flow.id })).id;
    await until(async () => (await taskState(second, 'load')).stateReason, 'second run to wait');

    const why = await engine.api.runs.why({ id: second });
    assert.equal(why.reason?.kind, 'concurrency');
    assert.equal(why.reason?.blockingRunId, first);
    assert.deepEqual(why.reason?.limit, { scope: 'tag', tag: 'warehouse', max: 1, used: 1 });
    assert.match(
      why.reason!.message,
      new RegExp(`held by run ${first.slice(0, 8)} \\(Load warehouse, task "load"\\)`),
    );
    assert.equal(why.reason?.holders?.[0]?.runId, first);
    // The run holding the slot is running: nothing to explain there.
    assert.equal((await engine.api.runs.why({ id: first })).reason, null);

    // The flow's own maxConcurrency: the waiting task names the one holding it.
    const sequential = await engine.run({
      version: 1,
      name: 'one at a time',
      settings: { maxConcurrency: 1 },
      nodes: [
        { id: 'a', type: 'http', config: { url: `${server.url}/hold-a` } },
        { id: 'b', type: 'http', config: { url: `${server.url}/hold-b` } },
      ],
      edges: [],
    });
    const seqWhy = await until(async () => {
      const run = await engine.api.runs.get({ id: sequential });
      if (!run.tasks.some((t) => t.state === 'running')) return undefined;
      const w = await engine.api.runs.why({ id: sequential });
      return w.tasks.find((t) => t.reason.kind === 'concurrency') ? w : undefined;
    }, 'one task to run and the other to wait for the flow slot');
    const waiting = seqWhy.tasks.find((t) => t.reason.kind === 'concurrency')!;
    const holder = waiting.nodeId === 'a' ? 'b' : 'a';
    assert.deepEqual(waiting.reason.limit, { scope: 'flow', max: 1, used: 1 });
    assert.match(waiting.reason.message, new RegExp(`at most 1 task at once, held by "${holder}"`));
    // One task runs, so the run as a whole is not stalled.
    assert.equal(seqWhy.reason, null);

    release();
    for (const id of [first, second, sequential]) {
      assert.equal((await engine.waitForRun(id)).state, 'completed');
    }
  } finally {
    release();
    held = Promise.resolve();
    await engine.tdb.db.delete(concurrencyLimits).where(eq(concurrencyLimits.tag, 'warehouse'));
  }
});

test('a retry backoff says until when; an approval says it waits for a decision', async () => {
  const retrying = await engine.run({
    version: 1,
    name: 'flaky',
    nodes: [
      {
        id: 'flaky',
        type: 'code',
        config: { source: 'throw new Error("not yet");' },
        retry: { retries: 2, delaySeconds: 60 },
      },
    ],
    edges: [],
  });
  const task = await until(async () => {
    const t = await taskState(retrying, 'flaky');
    return t.state === 'retrying' ? t : undefined;
  }, 'the retry');
  const why = await engine.api.runs.why({ id: retrying });
  assert.equal(why.reason?.kind, 'retry-backoff');
  assert.equal(why.reason?.nodeId, 'flaky');
  assert.equal(why.reason?.until?.getTime(), task.notBefore!.getTime());
  assert.ok(why.reason!.until!.getTime() > Date.now() + 50_000);
  assert.match(why.reason!.message, /Attempt 1 failed; waiting before attempt 2/);
  await engine.api.runs.cancel({ id: retrying });

  const approval = await engine.run({
    version: 1,
    name: 'ship',
    nodes: [
      { id: 'approve', type: 'approval', config: { message: 'Ship it?' } },
      { id: 'deploy', type: 'code', config: { source: 'return 1;' } },
    ],
    edges: [{ source: 'approve', target: 'deploy' }],
  });
  await until(async () => {
    const t = await taskState(approval, 'approve');
    return t.state === 'running' && t.suspendedState;
  }, 'the approval to wait');
  const approvalWhy = await engine.api.runs.why({ id: approval });
  assert.equal(approvalWhy.reason?.kind, 'approval');
  assert.equal(approvalWhy.reason?.message, 'Waiting for approval: Ship it?');
  assert.match(approvalWhy.reason!.command!, new RegExp(`pipewright approve ${approval} approve`));
  const deploy = approvalWhy.tasks.find((t) => t.nodeId === 'deploy');
  assert.equal(deploy?.reason.kind, 'upstream');
  assert.deepEqual(deploy?.reason.upstreamNodeIds, ['approve']);

  const approveTask = await taskState(approval, 'approve');
  await engine.api.runs.decide({ taskRunId: approveTask.id, decision: 'approve' });
  assert.equal((await engine.waitForRun(approval)).state, 'completed');
  const done = await engine.api.runs.why({ id: approval });
  assert.deepEqual(done, { runId: approval, state: 'completed', reason: null, tasks: [] });
});

test('scheduled runs wait for their time; due within the late threshold; past it they are late', async () => {
  const id = await engine.run({
    version: 1,
    name: 'nightly',
    nodes: [{ id: 'x', type: 'code', config: { source: 'return 1;' } }],
    edges: [],
  });
  await engine.waitForRun(id);
  const [run] = await engine.tdb.db.select().from(flowRuns).where(eq(flowRuns.id, id));
  // Far enough ahead that the worker's own scheduler does not fire it.
  const later = new Date(Date.now() + 3600_000);
  const [scheduled] = await engine.tdb.db
    .insert(flowRuns)
    .values({
      flowId: run!.flowId,
      flowVersionId: run!.flowVersionId,
      state: 'scheduled',
      trigger: 'schedule',
      scheduledFor: later,
      // The schedule's threshold: late 5 minutes after its time.
      lateAt: new Date(later.getTime() + 300_000),
    })
    .returning();
  const why = await engine.api.runs.why({ id: scheduled!.id });
  assert.equal(why.reason?.kind, 'scheduled');
  assert.equal(why.reason?.until?.getTime(), later.getTime());
  const at = (ms: number) => new Date(later.getTime() + ms);

  // Past its time but within the threshold: due, not Late — as the badge says.
  const due = await whyNotRunning(engine.tdb.db, scheduled!.id, { now: at(299_000) });
  assert.equal(due.reason?.kind, 'due');
  assert.equal(due.reason?.message, 'Due: a worker starts it in a moment.');
  assert.doesNotMatch(due.reason?.message ?? '', /Late/);
  assert.equal(due.reason?.since?.getTime(), later.getTime());

  // Past the threshold: late, and a worker is online to start it.
  const late = await whyNotRunning(engine.tdb.db, scheduled!.id, { now: at(300_000) });
  assert.equal(late.reason?.kind, 'late');
  assert.equal(late.reason?.since?.getTime(), later.getTime());
  // With every worker offline (a 1 ms silence threshold), it says so.
  const noWorker = await whyNotRunning(engine.tdb.db, scheduled!.id, {
    now: at(2 * 3600_000),
    offlineAfterMs: 1,
  });
  assert.equal(noWorker.reason?.message, 'Late: no worker is online to start it.');
  assert.equal(noWorker.reason?.command, 'npx pipewright worker');
  const dueNoWorker = await whyNotRunning(engine.tdb.db, scheduled!.id, {
    now: at(1000),
    offlineAfterMs: 1,
  });
  assert.equal(dueNoWorker.reason?.message, 'Due, but no worker is online to start it.');

  // A run without a threshold (not from a schedule) is never Late.
  await engine.tdb.db.update(flowRuns).set({ lateAt: null }).where(eq(flowRuns.id, scheduled!.id));
  const noThreshold = await whyNotRunning(engine.tdb.db, scheduled!.id, { now: at(86_400_000) });
  assert.equal(noThreshold.reason?.kind, 'due');
  await engine.api.runs.cancel({ id: scheduled!.id });
});

test('a fired run waiting for a worker is Late only past its threshold', async () => {
  const id = await engine.run({
    version: 1,
    name: 'fired late',
    settings: { pool: 'nightshift' },
    nodes: [{ id: 'x', type: 'code', config: { source: 'return 1;' } }],
    edges: [],
  });
  const scheduledFor = new Date(Date.now() - 10_000);
  await engine.tdb.db
    .update(flowRuns)
    .set({ scheduledFor, lateAt: new Date(scheduledFor.getTime() + 60_000) })
    .where(eq(flowRuns.id, id));
  const waiting = await until(async () => {
    const w = await whyNotRunning(engine.tdb.db, id);
    return w.reason?.kind === 'no-worker' ? w : undefined;
  }, 'the no-worker reason');
  assert.equal(waiting.reason?.message, 'No worker is online in pool nightshift.');
  assert.equal(waiting.reason?.since, undefined);
  const late = await whyNotRunning(engine.tdb.db, id, {
    now: new Date(scheduledFor.getTime() + 60_000),
  });
  assert.equal(late.reason?.kind, 'no-worker');
  assert.equal(late.reason?.message, 'Late: no worker is online in pool nightshift.');
  assert.equal(late.reason?.since?.getTime(), scheduledFor.getTime());
  // The same rule as the badge: runs.get says late from then on too.
  assert.equal((await engine.api.runs.get({ id })).late, false);
  await engine.tdb.db
    .update(flowRuns)
    .set({ lateAt: new Date(Date.now() - 1000) })
    .where(eq(flowRuns.id, id));
  assert.equal((await engine.api.runs.get({ id })).late, true);
  assert.match((await engine.api.runs.why({ id })).reason?.message ?? '', /^Late: no worker/);
  await engine.api.runs.cancel({ id });
});

test('a task in a pool without workers says so, and the run says it for the task', async () => {
  const id = await engine.run({
    version: 1,
    name: 'nowhere',
    settings: { pool: 'nowhere' },
    nodes: [{ id: 'lost', type: 'code', config: { source: 'return 1;' } }],
    edges: [],
  });
  const why = await until(async () => {
    const w = await engine.api.runs.why({ id });
    return w.reason?.kind === 'no-worker' ? w : undefined;
  }, 'the no-worker reason');
  assert.equal(why.state, 'pending');
  assert.equal(why.reason?.pool, 'nowhere');
  assert.equal(why.reason?.message, 'No worker is online in pool nowhere.');
  const [task] = await engine.tdb.db.select().from(taskRuns).where(eq(taskRuns.flowRunId, id));
  assert.equal(task?.pool, 'nowhere');
  await engine.api.runs.cancel({ id });
  assert.equal((await engine.api.runs.why({ id })).reason, null);
});

test('every worker of the pool busy: the waiting task says so, with the slots in use', async () => {
  // One worker in pool "tiny", one attempt at a time.
  const tiny = await startWorker(engine.booted.runtime, () => {}, {
    pools: ['tiny'],
    concurrency: 1,
  });
  try {
    const id = await engine.run({
      version: 1,
      name: 'two for one slot',
      settings: { pool: 'tiny' },
      nodes: [
        { id: 'a', type: 'http', config: { url: `${server.url}/busy-a` } },
        { id: 'b', type: 'http', config: { url: `${server.url}/busy-b` } },
      ],
      edges: [],
    });
    const why = await until(async () => {
      const w = await engine.api.runs.why({ id });
      return w.tasks.some((t) => t.reason.kind === 'workers-busy') ? w : undefined;
    }, 'the second task to wait for a busy worker');
    const waiting = why.tasks.find((t) => t.reason.kind === 'workers-busy')!;
    assert.equal(waiting.reason.pool, 'tiny');
    assert.equal(
      waiting.reason.message,
      'Queued: the worker of pool tiny is busy (1 of 1 slots in use).',
    );
    assert.equal(waiting.reason.command, 'npx pipewright worker --pool tiny');
    // The other task runs, on the tiny worker: the run itself is not stalled.
    assert.equal(why.reason, null);
    const run = await engine.api.runs.get({ id });
    const running = run.tasks.find((t) => t.state === 'running');
    assert.equal(running?.workerId, tiny.id);
    openBusyGate();
    const done = await engine.waitForRun(id);
    assert.equal(done.state, 'completed');
    assert.deepEqual(
      done.tasks.map((t) => t.attempts[0]?.workerId),
      [tiny.id, tiny.id],
    );
  } finally {
    openBusyGate();
    await tiny.stop();
  }
});
