import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { flowRuns, taskRuns } from '@/db/schema';
import { RUN_CHANNEL, TASK_QUEUE } from '@/server/execution/deps';
import { fireScheduledRun } from '@/server/execution/scheduler';
import { engineDeps } from '@/server/worker';
import { listenToChannels, WAKE_CHANNEL } from '@/server/worker/wake';
import { startTestEngine, type TestEngine, transitionsOf } from '../helpers/engine';

/**
 * What starting a run leaves behind, before any worker touches it (no
 * worker here): the task runs, the transition history, the dispatch of the
 * tasks that can start, the announcements, and the refusals.
 */

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(() => engine.close());

let counter = 0;
const code = (id: string) => ({ id, type: 'code', config: { source: 'return 1;' } });
/** c waits for a and b; node order (c, a, b) is not alphabetical on purpose. */
const joinFlow = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  name: `start flow ${++counter}`,
  nodes: [code('c'), code('a'), code('b')],
  edges: [
    { source: 'a', target: 'c' },
    { source: 'b', target: 'c' },
  ],
  ...extra,
});

async function importFlow(document: unknown) {
  const { flow } = await engine.api.flows.import({ document });
  return flow.id;
}

async function tasksOf(runId: string) {
  const rows = await engine.tdb.db.select().from(taskRuns).where(eq(taskRuns.flowRunId, runId));
  return new Map(rows.map((r) => [r.nodeId, r]));
}

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const err = await promise.then(
    () => assert.fail('expected the start to be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TRPCError, String(err));
  return err;
}

describe('starting a run', () => {
  test('history: the run Pending first, then each task Pending once, in node order', async () => {
    const flowId = await importFlow(joinFlow());
    const { id } = await engine.api.runs.start({ flowId, trigger: 'manual' });
    const [run] = await engine.tdb.db.select().from(flowRuns).where(eq(flowRuns.id, id));
    const tasks = await tasksOf(id);
    assert.deepEqual([...tasks.keys()].sort(), ['a', 'b', 'c']);
    const history = await transitionsOf(engine, id);
    assert.deepEqual(
      history.map((h) => [h.taskRunId, h.fromState, h.toState, h.attempt, h.reason]),
      [
        [null, null, 'pending', null, 'started by manual'],
        [tasks.get('c')!.id, null, 'pending', null, null],
        [tasks.get('a')!.id, null, 'pending', null, null],
        [tasks.get('b')!.id, null, 'pending', null, null],
      ],
    );
    // One transaction: every row carries its start time.
    for (const h of history) assert.equal(h.at.getTime(), run!.createdAt.getTime());
    for (const task of tasks.values()) {
      assert.equal(task.state, 'pending');
      assert.equal(task.nodeType, 'code');
      assert.equal(task.parentTaskRunId, null);
    }
  });

  test('the tasks that can start are queued at once; the others wait', async () => {
    const flowId = await importFlow(joinFlow());
    const { id } = await engine.api.runs.start({ flowId });
    const tasks = await tasksOf(id);
    for (const node of ['a', 'b']) {
      const task = tasks.get(node)!;
      assert.ok(task.readyAt && task.queuedAt && task.jobId, `${node} is queued`);
      assert.equal(task.attempt, 1);
      assert.equal(task.holdsSlot, true);
      const {
        rows: [job],
      } = await engine.tdb.db.$client.query('select name, data from pgboss.job where id = $1', [
        task.jobId,
      ]);
      assert.deepEqual(job, {
        name: TASK_QUEUE,
        data: { taskRunId: task.id, attempt: 1, flowRunId: id, nodeId: node },
      });
    }
    const c = tasks.get('c')!;
    assert.equal(c.readyAt, null);
    assert.equal(c.queuedAt, null);
    assert.equal(c.attempt, 0);
  });

  test('under maxConcurrency 1 the first ready task in node order gets the slot', async () => {
    const flowId = await importFlow(joinFlow({ settings: { maxConcurrency: 1 } }));
    const { id } = await engine.api.runs.start({ flowId });
    const tasks = await tasksOf(id);
    assert.ok(tasks.get('a')!.queuedAt, 'a is queued');
    const b = tasks.get('b')!;
    assert.equal(b.queuedAt, null);
    assert.ok(b.readyAt, 'b is ready');
    assert.match(b.stateReason ?? '', /^waiting for a slot: this flow runs at most 1 task at once/);
  });

  test('the run is announced Pending and the workers woken, when it commits', async () => {
    const flowId = await importFlow(joinFlow());
    const heard: [string, string][] = [];
    const listener = await listenToChannels(engine.tdb.url, {
      [RUN_CHANNEL]: (p) => heard.push([RUN_CHANNEL, p]),
      [WAKE_CHANNEL]: (p) => heard.push([WAKE_CHANNEL, p]),
    });
    try {
      const { id } = await engine.api.runs.start({ flowId });
      const announced = JSON.stringify({ runId: id, state: 'pending' });
      const deadline = Date.now() + 5000;
      while (!(heard.some(([, p]) => p === announced) && heard.some(([c]) => c === WAKE_CHANNEL))) {
        assert.ok(Date.now() < deadline, `heard only ${JSON.stringify(heard)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(
        heard.filter(([c, p]) => c === RUN_CHANNEL && p.includes(id)),
        [[RUN_CHANNEL, announced]],
      );
      assert.deepEqual(
        heard.filter(([c]) => c === WAKE_CHANNEL),
        [[WAKE_CHANNEL, TASK_QUEUE]],
      );
    } finally {
      await listener.close();
    }
  });

  test('a large flow: every node gets one task run and one transition', async () => {
    const width = 300;
    const nodes = Array.from({ length: width }, (_, i) => code(`n${i}`));
    const flowId = await importFlow({ version: 1, name: `wide ${++counter}`, nodes, edges: [] });
    const { id } = await engine.api.runs.start({ flowId });
    const tasks = await tasksOf(id);
    assert.equal(tasks.size, width);
    const history = await transitionsOf(engine, id);
    assert.equal(history.length, width + 1);
    assert.equal(history[0]!.taskRunId, null);
    assert.deepEqual(
      history.slice(1).map((h) => h.taskRunId),
      nodes.map((n) => tasks.get(n.id)!.id),
    );
    assert.ok([...tasks.values()].every((t) => t.queuedAt !== null));
  });
});

describe('firing a scheduled run', () => {
  test('its history goes on from Scheduled: the run first, then its tasks', async () => {
    const flowId = await importFlow(joinFlow());
    const {
      rows: [version],
    } = await engine.tdb.db.$client.query<{ id: string }>(
      'select id from flow_versions where flow_id = $1',
      [flowId],
    );
    const now = new Date();
    const [scheduled] = await engine.tdb.db
      .insert(flowRuns)
      .values({
        flowId,
        flowVersionId: version!.id,
        state: 'scheduled',
        trigger: 'schedule',
        triggeredBy: 'nightly',
        scheduledFor: now,
      })
      .returning();
    const outcome = await fireScheduledRun(engineDeps(engine.booted.runtime), scheduled!.id, now);
    assert.equal(outcome, 'started');
    const tasks = await tasksOf(scheduled!.id);
    const history = await transitionsOf(engine, scheduled!.id);
    assert.deepEqual(
      history.map((h) => [h.taskRunId, h.fromState, h.toState, h.reason]),
      [
        [null, 'scheduled', 'pending', `fired by schedule "nightly" (due ${now.toISOString()})`],
        [tasks.get('c')!.id, null, 'pending', null],
        [tasks.get('a')!.id, null, 'pending', null],
        [tasks.get('b')!.id, null, 'pending', null],
      ],
    );
    assert.ok(tasks.get('a')!.queuedAt && tasks.get('b')!.queuedAt, 'a and b are queued');
  });
});

describe('a start that is refused leaves nothing behind', () => {
  async function runsOf(flowId: string) {
    return engine.tdb.db.select().from(flowRuns).where(eq(flowRuns.flowId, flowId));
  }

  test('an unknown flow, and a deleted one', async () => {
    const unknown = randomUUID();
    const err = await rejection(engine.api.runs.start({ flowId: unknown }));
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.message, `Flow ${unknown} was not found`);
    const flowId = await importFlow(joinFlow());
    await engine.api.flows.delete({ id: flowId });
    const deleted = await rejection(engine.api.runs.start({ flowId }));
    assert.equal(deleted.code, 'NOT_FOUND');
    assert.equal(deleted.message, `Flow ${flowId} was not found`);
    assert.equal((await runsOf(flowId)).length, 0);
  });

  test('a pinned version that does not exist; an existing one starts', async () => {
    const document = joinFlow();
    const flowId = await importFlow(document);
    const err = await rejection(engine.api.runs.start({ flowId, version: 7 }));
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.message, `Version 7 of flow "${document.name}" was not found`);
    assert.equal((await runsOf(flowId)).length, 0);
    const { id } = await engine.api.runs.start({ flowId, version: 1 });
    assert.equal((await tasksOf(id)).size, 3);
    // Past the int4 column's range: not found, not a failed cast.
    const huge = await rejection(engine.api.runs.start({ flowId, version: 2 ** 31 }));
    assert.equal(huge.code, 'NOT_FOUND');
    assert.equal(huge.message, `Version ${2 ** 31} of flow "${document.name}" was not found`);
    const unknown = randomUUID();
    const flowFirst = await rejection(engine.api.runs.start({ flowId: unknown, version: 2 ** 31 }));
    assert.equal(flowFirst.message, `Flow ${unknown} was not found`);
  });

  test('a flow without tasks', async () => {
    const name = `empty ${++counter}`;
    const flowId = await importFlow({ version: 1, name, nodes: [], edges: [] });
    const err = await rejection(engine.api.runs.start({ flowId }));
    assert.equal(err.code, 'BAD_REQUEST');
    assert.equal(err.message, `"${name}" has no tasks to run; add a task and save first`);
    assert.equal((await runsOf(flowId)).length, 0);
  });

  test('bad parameters, each named', async () => {
    const flowId = await importFlow(
      joinFlow({ params: { count: { type: 'number', required: true } } }),
    );
    const err = await rejection(
      engine.api.runs.start({ flowId, params: { count: 'many', extra: 1 } }),
    );
    assert.equal(err.code, 'BAD_REQUEST');
    assert.deepEqual(
      ((err.cause as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path),
      ['params.count', 'params.extra'],
    );
    assert.equal((await runsOf(flowId)).length, 0);
  });
});
