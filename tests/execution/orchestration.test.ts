import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { flowRuns } from '@/db/schema';
import { startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { maxOverlap } from '../helpers/overlap';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('subflow', () => {
  test('runs another flow as a child run, waits for it and returns its outputs', async () => {
    await engine.api.flows.import({
      document: {
        version: 1,
        name: 'Double it',
        params: { x: { type: 'number', required: true } },
        nodes: [{ id: 'double', type: 'code', config: { source: 'return params.x * 2;' } }],
        edges: [],
      },
    });
    const run = await engine.waitForRun(
      await engine.run(
        {
          version: 1,
          name: 'Parent',
          params: { n: { type: 'number', default: 21 } },
          nodes: [
            {
              id: 'child',
              type: 'subflow',
              config: { flow: 'double it', params: { x: '{{ params.n }}' } },
            },
            {
              id: 'after',
              type: 'code',
              config: { source: 'return inputs.child.outputs.double + 1;' },
            },
          ],
          edges: [{ source: 'child', target: 'after' }],
        },
        { n: 21 },
      ),
    );
    assert.equal(
      run.state,
      'completed',
      JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason])),
    );
    const child = taskOf(run, 'child');
    const out = child.output as { runId: string; state: string; outputs: Record<string, unknown> };
    assert.equal(out.state, 'completed');
    assert.deepEqual(out.outputs, { double: 42 });
    assert.equal(taskOf(run, 'after').output, 43);
    const [childRun] = await engine.tdb.db
      .select()
      .from(flowRuns)
      .where(eq(flowRuns.id, out.runId));
    assert.equal(childRun?.parentTaskRunId, child.id);
    assert.equal(childRun?.trigger, 'subflow');
  });

  test('a failing child fails the subflow task with the reason', async () => {
    await engine.api.flows.import({
      document: {
        version: 1,
        name: 'Always fails',
        nodes: [{ id: 'boom', type: 'code', config: { source: 'throw new Error("nope");' } }],
        edges: [],
      },
    });
    const run = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'Parent of failure',
        nodes: [{ id: 'child', type: 'subflow', config: { flow: 'Always fails' } }],
        edges: [],
      }),
    );
    assert.equal(run.state, 'failed');
    assert.match(
      taskOf(run, 'child').stateReason ?? '',
      /subflow "Always fails" run .* failed: task "boom" failed/,
    );
  });

  test('an unknown flow fails at once, naming it', async () => {
    const run = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'Parent of nothing',
        nodes: [
          { id: 'child', type: 'subflow', config: { flow: 'No such flow' }, retry: { retries: 3 } },
        ],
        edges: [],
      }),
    );
    assert.equal(taskOf(run, 'child').state, 'failed');
    assert.equal(taskOf(run, 'child').attempts.length, 1, 'not retried: it cannot get better');
    assert.match(taskOf(run, 'child').stateReason ?? '', /no flow with name "No such flow"/);
  });
});

describe('for-each', () => {
  test('50 items with concurrency 5: each a durable task, results in order, never more than 5 at once', async () => {
    const run = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'Squares',
        nodes: [
          {
            id: 'list',
            type: 'code',
            config: { source: 'return Array.from({ length: 50 }, (_, i) => i);' },
          },
          {
            id: 'square',
            type: 'for-each',
            config: {
              items: '{{ nodes.list.output }}',
              concurrency: 5,
              task: {
                type: 'code',
                config: {
                  source:
                    'const end = Date.now() + 20; while (Date.now() < end) {} return item * item + index * 0;',
                },
              },
            },
          },
        ],
        edges: [{ source: 'list', target: 'square' }],
      }),
      30_000,
    );
    assert.equal(
      run.state,
      'completed',
      JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason])),
    );
    const square = taskOf(run, 'square');
    assert.deepEqual(
      square.output,
      Array.from({ length: 50 }, (_, i) => i * i),
    );
    assert.deepEqual(square.items, { total: 50, byState: { completed: 50 } });
    assert.equal(run.tasks.length, 2, 'items are not listed as tasks of the run');
    const items = await engine.api.runs.items({ taskRunId: square.id, limit: 100 });
    assert.equal(items.length, 50);
    const overlap = maxOverlap(
      items.map((i) => ({ start: i.startedAt!.getTime(), end: i.endedAt!.getTime() })),
    );
    assert.ok(overlap <= 5, `${overlap} items ran at once (limit 5)`);
    assert.ok(overlap >= 2, `items ran one at a time (${overlap}); expected parallelism`);
  });

  test('an item that keeps failing fails the for-each; with continueOnError its place is null', async () => {
    const flow = (continueOnError: boolean) => ({
      version: 1,
      name: `Flaky items ${continueOnError}`,
      nodes: [
        {
          id: 'each',
          type: 'for-each',
          retry: { retries: 1, delaySeconds: 0 },
          config: {
            items: [1, 2, 3, 4],
            continueOnError,
            task: {
              type: 'code',
              config: {
                source: 'if (item === 3) throw new Error("three is bad"); return item * 10;',
              },
            },
          },
        },
      ],
      edges: [],
    });
    const failed = await engine.waitForRun(await engine.run(flow(false)));
    assert.equal(failed.state, 'failed');
    assert.match(taskOf(failed, 'each').stateReason ?? '', /item 2 failed: three is bad/);
    const items = await engine.api.runs.items({ taskRunId: taskOf(failed, 'each').id });
    assert.equal(
      items.find((i) => i.index === 2)?.attempt,
      2,
      'the failing item was retried per the policy',
    );

    const tolerant = await engine.waitForRun(await engine.run(flow(true)));
    assert.equal(tolerant.state, 'completed');
    assert.deepEqual(taskOf(tolerant, 'each').output, [10, 20, null, 40]);
  });

  test('items share a large upstream output, each with its own copy to change', async () => {
    // ~40 KB of padding: large enough for the worker to keep the output and
    // share it between the items, which all receive it as an input.
    const run = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'Items of a large output',
        nodes: [
          {
            id: 'list',
            type: 'code',
            config: {
              source:
                'return { items: Array.from({ length: 30 }, (_, i) => i), pad: Array.from({ length: 8000 }, (_, i) => i) };',
            },
          },
          {
            id: 'each',
            type: 'for-each',
            config: {
              items: '{{ nodes.list.output.items }}',
              concurrency: 4,
              task: {
                type: 'code',
                config: {
                  source:
                    'const { items, pad } = inputs.list; pad.push(-1); const was = items[item]; items[item] = -1; return [pad.length, was, items[item]];',
                },
              },
            },
          },
        ],
        edges: [{ source: 'list', target: 'each' }],
      }),
    );
    assert.equal(run.state, 'completed');
    assert.deepEqual(
      taskOf(run, 'each').output,
      Array.from({ length: 30 }, (_, i) => [8001, i, -1]),
      'each item changed its own copy and saw the output as it was made',
    );
  });

  test('a failing item cancels the items not started yet; none is left holding a slot', async () => {
    const run = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'Stop at the first bad row',
        nodes: [
          {
            id: 'each',
            type: 'for-each',
            config: {
              items: Array.from({ length: 40 }, (_, i) => i),
              concurrency: 2,
              task: {
                type: 'code',
                config: { source: 'if (item === 3) throw new Error("row 3 is bad"); return item;' },
              },
            },
          },
        ],
        edges: [],
      }),
    );
    assert.equal(run.state, 'failed');
    assert.match(taskOf(run, 'each').stateReason ?? '', /item 3 failed: row 3 is bad/);
    const items = await engine.api.runs.items({ taskRunId: taskOf(run, 'each').id, limit: 100 });
    const count = (state: string) => items.filter((i) => i.state === state).length;
    assert.ok(count('completed') >= 3, 'the items before it ran');
    assert.equal(count('failed'), 1);
    assert.equal(count('pending') + count('running') + count('retrying'), 0);
    // How many ran before the failure was final depends on the machine's
    // speed; that none started after it, and every other one was cancelled,
    // does not.
    assert.equal(count('completed') + count('failed') + count('cancelled'), 40);
    assert.ok(count('cancelled') > 0, 'the rest were cancelled, not run');
    const timing = await engine.tdb.db.execute<{
      state: string;
      started: Date | null;
      ended: Date;
    }>(
      sql`select state, started_at as started, ended_at as ended from task_runs
        where parent_task_run_id = ${taskOf(run, 'each').id}`,
    );
    const failedAt = timing.rows.find((r) => r.state === 'failed')!.ended;
    const late = timing.rows.filter((r) => r.started && r.started > failedAt);
    assert.equal(late.length, 0, 'no item started after the failure was final');
    const held = await engine.tdb.db.execute(
      sql`select count(*)::int as n from task_runs where flow_run_id = ${run.id} and holds_slot`,
    );
    assert.equal(held.rows[0]!.n, 0, 'no slot leaked');
  });

  test('cancelling a run in the middle of a for-each cancels its waiting items and ends it', async () => {
    const id = await engine.run({
      version: 1,
      name: 'Long list, cancelled',
      nodes: [
        {
          id: 'each',
          type: 'for-each',
          config: {
            items: Array.from({ length: 200 }, (_, i) => i),
            concurrency: 2,
            task: {
              type: 'code',
              config: {
                source: 'const t = Date.now(); while (Date.now() - t < 50) {} return item;',
              },
            },
          },
        },
      ],
      edges: [],
    });
    await waitFor(async () => {
      const [each] = (await engine.api.runs.get({ id })).tasks;
      return (each?.items?.byState.completed ?? 0) >= 3 ? true : undefined;
    });
    await engine.api.runs.cancel({ id });
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'cancelled');
    const items = await engine.api.runs.items({ taskRunId: taskOf(run, 'each').id, limit: 200 });
    assert.equal(items.length, 200);
    assert.ok(items.every((i) => i.state === 'completed' || i.state === 'cancelled'));
    assert.ok(items.filter((i) => i.state === 'cancelled').length > 150, 'most never ran');
    const held = await engine.tdb.db.execute(
      sql`select count(*)::int as n from task_runs where flow_run_id = ${id} and holds_slot`,
    );
    assert.equal(held.rows[0]!.n, 0, 'no slot leaked');
  });

  test('a for-each over http calls templates each item into the request', async () => {
    const seen: string[] = [];
    const { startHttpServer, json } = await import('../helpers/http-server');
    const server = await startHttpServer((req, res) => {
      seen.push(req.url ?? '');
      json(res, 200, { ok: req.url });
    });
    try {
      const run = await engine.waitForRun(
        await engine.run({
          version: 1,
          name: 'Fetch each',
          nodes: [
            {
              id: 'each',
              type: 'for-each',
              config: {
                items: ['a', 'b'],
                task: { type: 'http', config: { url: `${server.url}/{{ item }}?i={{ index }}` } },
              },
            },
          ],
          edges: [],
        }),
      );
      assert.equal(run.state, 'completed');
      assert.deepEqual(seen.sort(), ['/a?i=0', '/b?i=1']);
    } finally {
      await server.close();
    }
  });
});

describe('approval', () => {
  test('waits durably, survives a worker restart, and resumes when approved through the API', async () => {
    const id = await engine.run({
      version: 1,
      name: 'Needs a yes',
      nodes: [
        {
          id: 'ok',
          type: 'approval',
          config: { message: 'Ship it?', fields: { ticket: { type: 'string', required: true } } },
        },
        {
          id: 'ship',
          type: 'code',
          config: { source: 'return "shipped " + inputs.ok.values.ticket;' },
        },
      ],
      edges: [{ source: 'ok', target: 'ship' }],
    });
    const waiting = await waitFor(async () => {
      const run = await engine.api.runs.get({ id });
      const task = taskOf(run, 'ok');
      return task.state === 'running' && task.stateReason?.startsWith('waiting for approval')
        ? task
        : null;
    });
    assert.match(waiting.stateReason ?? '', /waiting for approval: Ship it\?/);

    // The worker goes away and another comes up: nothing is lost.
    await engine.booted.worker!.stop();
    const worker = await startWorker(engine.booted.runtime, () => {});
    engine.booted.worker = worker;

    await assert.rejects(
      engine.api.runs.decide({ taskRunId: waiting.id, decision: 'approve', values: {} }),
      /field "ticket" is required/,
    );
    await engine.api.runs.decide({
      taskRunId: waiting.id,
      decision: 'approve',
      comment: 'go',
      values: { ticket: 'OPS-1' },
    });
    await assert.rejects(
      engine.api.runs.decide({ taskRunId: waiting.id, decision: 'reject' }),
      /already approved|not waiting/,
    );
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed');
    assert.equal(taskOf(run, 'ship').output, 'shipped OPS-1');
    assert.deepEqual((taskOf(run, 'ok').output as { values: unknown }).values, { ticket: 'OPS-1' });
  });

  test('a rejection fails the task with the comment', async () => {
    const id = await engine.run({
      version: 1,
      name: 'Will be rejected',
      nodes: [{ id: 'ok', type: 'approval', config: { message: 'Delete prod?' } }],
      edges: [],
    });
    const task = await waitFor(async () => {
      const t = taskOf(await engine.api.runs.get({ id }), 'ok');
      return t.state === 'running' && t.stateReason?.startsWith('waiting') ? t : null;
    });
    await engine.api.runs.decide({
      taskRunId: task.id,
      decision: 'reject',
      comment: 'absolutely not',
    });
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'failed');
    assert.match(taskOf(run, 'ok').stateReason ?? '', /rejected: absolutely not/);
  });

  test('with a timeout and no decision, the approval times out', async () => {
    const run = await engine.waitForRun(
      await engine.run({
        version: 1,
        name: 'Nobody answers',
        nodes: [{ id: 'ok', type: 'approval', config: { message: 'Anyone?', timeoutSeconds: 1 } }],
        edges: [],
      }),
    );
    assert.equal(taskOf(run, 'ok').state, 'timedout');
    assert.match(taskOf(run, 'ok').stateReason ?? '', /no decision within 1 s/);
  });
});
