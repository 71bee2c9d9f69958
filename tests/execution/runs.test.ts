import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { concurrencyLimits, runTransitions, taskAttempts, taskRuns } from '@/db/schema';
import { TASK_QUEUE } from '@/server/execution/deps';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { codeNode as code, numberedDocuments } from '../helpers/flows';
import { json, startHttpServer } from '../helpers/http-server';
import { maxOverlap } from '../helpers/overlap';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

const doc = numberedDocuments('flow');

describe('running flows', () => {
  test('a diamond passes data from each task to the next', async () => {
    const id = await engine.run(
      doc(
        [
          code('a', 'return 2;'),
          code('b', 'return inputs.a * 10;'),
          code('c', 'log.info("adding one"); return inputs.a + 1;'),
          code('d', 'return { sum: inputs.b + inputs.c, seen: Object.keys(inputs).sort() };'),
        ],
        [
          { source: 'a', target: 'b' },
          { source: 'a', target: 'c' },
          { source: 'b', target: 'd' },
          { source: 'c', target: 'd' },
        ],
      ),
    );
    const run = await engine.waitForRun(id);
    assert.equal(
      run.state,
      'completed',
      JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason])),
    );
    assert.deepEqual(taskOf(run, 'd').output, { sum: 23, seen: ['b', 'c'] });
    const d = taskOf(run, 'd');
    for (const upstream of ['b', 'c']) {
      assert.ok(
        taskOf(run, upstream).endedAt! <= d.startedAt!,
        `${upstream} ended before d started`,
      );
    }
    const logs = await engine.api.runs.logs({ runId: id, taskRunId: taskOf(run, 'c').id });
    assert.deepEqual(
      logs.map((l) => [l.level, l.message]),
      [['info', 'adding one']],
    );
  });

  test('a failing task is retried with backoff and then succeeds', async () => {
    const server = await startHttpServer((_req, res, _body, index) =>
      index < 2 ? json(res, 500, { error: `boom ${index}` }) : json(res, 200, { ok: true }),
    );
    try {
      const id = await engine.run(
        doc([
          {
            id: 'call',
            type: 'http',
            config: { url: `${server.url}/flaky` },
            retry: { retries: 3, delaySeconds: 0.3, backoff: 'exponential' },
          },
        ]),
      );
      const run = await engine.waitForRun(id);
      const call = taskOf(run, 'call');
      assert.equal(run.state, 'completed');
      assert.deepEqual(
        call.attempts.map((a) => [a.attempt, a.state]),
        [
          [1, 'failed'],
          [2, 'failed'],
          [3, 'completed'],
        ],
      );
      assert.match(call.attempts[0]!.error!.message, /answered 500/);
      assert.deepEqual((call.output as { body: unknown }).body, { ok: true });
      const gap1 = server.requests[1]!.at - server.requests[0]!.at;
      const gap2 = server.requests[2]!.at - server.requests[1]!.at;
      assert.ok(gap1 >= 300, `first retry waited ${gap1} ms, expected ≥ 300`);
      assert.ok(gap2 >= 600, `second retry waited ${gap2} ms, expected ≥ 600 (exponential)`);
    } finally {
      await server.close();
    }
  });

  test('a task that keeps failing fails the run and skips what depends on it', async () => {
    const id = await engine.run(
      doc(
        [
          code('bad', 'throw new Error("disk full");', { retry: { retries: 1, delaySeconds: 0 } }),
          code('after', 'return 1;'),
        ],
        [{ source: 'bad', target: 'after' }],
      ),
    );
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'failed');
    assert.match(run.stateReason ?? '', /task "bad" failed/);
    assert.equal(taskOf(run, 'bad').state, 'failed');
    assert.equal(taskOf(run, 'bad').attempts.length, 2);
    assert.match(taskOf(run, 'bad').error!.message, /disk full/);
    assert.equal(taskOf(run, 'after').state, 'skipped');
    assert.equal(taskOf(run, 'after').stateReason, 'upstream "bad" failed');
  });

  test('a second run hits the cache; refresh-cache runs the task again', async () => {
    const flow = doc([
      code('pick', 'return Math.random();', { cache: { enabled: true, ttlSeconds: 3600 } }),
    ]);
    const { flow: saved } = await engine.api.flows.import({ document: flow });
    const first = await engine.waitForRun((await engine.api.runs.start({ flowId: saved.id })).id);
    const second = await engine.waitForRun((await engine.api.runs.start({ flowId: saved.id })).id);
    assert.equal(taskOf(first, 'pick').state, 'completed');
    assert.equal(taskOf(second, 'pick').state, 'cached');
    assert.equal(taskOf(second, 'pick').output, taskOf(first, 'pick').output);
    assert.equal(taskOf(second, 'pick').cachedFromTaskRunId, taskOf(first, 'pick').id);
    assert.equal(taskOf(second, 'pick').attempts.length, 0, 'a cache hit is not a fake run');
    const third = await engine.waitForRun(
      (await engine.api.runs.start({ flowId: saved.id, refreshCache: true })).id,
    );
    assert.equal(taskOf(third, 'pick').state, 'completed');
    assert.notEqual(taskOf(third, 'pick').output, taskOf(first, 'pick').output);
  });

  test('an infinite loop times out', async () => {
    const started = Date.now();
    const id = await engine.run(doc([code('spin', 'while (true) {}', { timeoutSeconds: 1 })]));
    const run = await engine.waitForRun(id);
    assert.equal(taskOf(run, 'spin').state, 'timedout');
    assert.equal(run.state, 'failed');
    assert.ok(Date.now() - started < 6000, 'the timeout took too long');
    // The worker is still fine afterwards.
    const next = await engine.waitForRun(
      await engine.run(doc([code('ok', 'return "still alive";')])),
    );
    assert.equal(taskOf(next, 'ok').output, 'still alive');
  });

  test('cancelling a run aborts the running task and cancels the rest', async () => {
    const id = await engine.run(
      doc(
        [code('long', 'while (true) {}', { timeoutSeconds: 60 }), code('later', 'return 1;')],
        [{ source: 'long', target: 'later' }],
      ),
    );
    await waitFor(async () =>
      (await engine.api.runs.get({ id })).tasks.some((t) => t.state === 'running'),
    );
    const t0 = Date.now();
    await engine.api.runs.cancel({ id });
    const run = await engine.waitForRun(id, 10_000);
    assert.ok(Date.now() - t0 < 3000, `cancel took ${Date.now() - t0} ms`);
    assert.equal(run.state, 'cancelled');
    assert.equal(taskOf(run, 'long').state, 'cancelled');
    assert.equal(taskOf(run, 'later').state, 'cancelled');
    await assert.rejects(engine.api.runs.cancel({ id }), /already ended/);
  });

  test('a branch runs one side and skips the other', async () => {
    const flow = doc(
      [
        { id: 'check', type: 'branch', config: { condition: 'params.go === true' } },
        code('yes', 'return "took true";'),
        code('no', 'return "took false";'),
        code('after-no', 'return 1;'),
      ],
      [
        { source: 'check', target: 'yes', sourceHandle: 'true' },
        { source: 'check', target: 'no', sourceHandle: 'false' },
        { source: 'no', target: 'after-no' },
      ],
      { params: { go: { type: 'boolean', default: false } } },
    );
    const run = await engine.waitForRun(await engine.run(flow, { go: true }));
    assert.equal(run.state, 'completed');
    assert.equal(taskOf(run, 'yes').output, 'took true');
    assert.equal(taskOf(run, 'no').state, 'skipped');
    assert.equal(taskOf(run, 'no').stateReason, 'branch "check" took the true side');
    assert.equal(taskOf(run, 'after-no').state, 'skipped');
  });

  test('maxConcurrency and named limits are never exceeded', async () => {
    const server = await startHttpServer((_req, res) => {
      setTimeout(() => json(res, 200, { ok: true }), 150);
    });
    try {
      const fan = (n: number, extra: Record<string, unknown>) =>
        Array.from({ length: n }, (_, i) => ({
          id: `t${i}`,
          type: 'http',
          config: { url: server.url },
          ...extra,
        }));
      // maxConcurrency 2 within one run.
      const capped = await engine.waitForRun(
        await engine.run(doc(fan(6, {}), [], { settings: { maxConcurrency: 2 } })),
      );
      const cappedTimes = capped.tasks.map((t) => ({
        start: t.startedAt!.getTime(),
        end: t.endedAt!.getTime(),
      }));
      assert.equal(capped.state, 'completed');
      assert.equal(maxOverlap(cappedTimes), 2);

      // A "warehouse" limit of 2 shared by two runs of 3 tagged tasks each.
      await engine.tdb.db.insert(concurrencyLimits).values({ tag: 'warehouse', maxRunning: 2 });
      const tagged = doc(fan(3, { concurrencyTag: 'warehouse' }));
      const { flow } = await engine.api.flows.import({ document: tagged });
      const ids = await Promise.all(
        [1, 2].map(async () => (await engine.api.runs.start({ flowId: flow.id })).id),
      );
      const runs = await Promise.all(ids.map((id) => engine.waitForRun(id)));
      const times = runs.flatMap((r) =>
        r.tasks.map((t) => ({ start: t.startedAt!.getTime(), end: t.endedAt!.getTime() })),
      );
      assert.ok(runs.every((r) => r.state === 'completed'));
      assert.equal(maxOverlap(times), 2);
    } finally {
      await engine.tdb.db.delete(concurrencyLimits).where(eq(concurrencyLimits.tag, 'warehouse'));
      await server.close();
    }
  });

  test('a duplicated or stale job delivery changes nothing', async () => {
    const run = await engine.waitForRun(
      await engine.run(doc([code('once', 'return Math.random();')])),
    );
    const task = taskOf(run, 'once');
    const before = await snapshot(task.id);
    const { boss } = engine.booted.runtime;
    await boss.send(TASK_QUEUE, { taskRunId: task.id, attempt: task.attempt });
    await boss.send(TASK_QUEUE, { taskRunId: task.id, attempt: task.attempt });
    engine.booted.runtime.wakeLocal(TASK_QUEUE);
    await waitFor(async () => (await boss.getQueueSize(TASK_QUEUE)) === 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await snapshot(task.id), before);
  });

  test('a template error fails the task naming the reference', async () => {
    const run = await engine.waitForRun(
      await engine.run(
        doc(
          [
            code('a', 'return { count: 1 };'),
            { id: 'b', type: 'delay', config: { seconds: '{{ nodes.a.output.missing }}' } },
          ],
          [{ source: 'a', target: 'b' }],
        ),
      ),
    );
    assert.equal(taskOf(run, 'b').state, 'failed');
    assert.match(
      taskOf(run, 'b').stateReason ?? '',
      /nodes\.a\.output\.missing.*no field "missing"/,
    );
  });

  test('an output over the cap fails loudly instead of being truncated', async () => {
    const run = await engine.waitForRun(
      await engine.run(doc([code('big', 'return "x".repeat(2 * 1024 * 1024);')])),
    );
    assert.equal(taskOf(run, 'big').state, 'failed');
    assert.match(
      taskOf(run, 'big').stateReason ?? '',
      /output is 2\.0 MiB, over the 1\.0 MiB limit/,
    );
    assert.equal(taskOf(run, 'big').output, null);
  });

  test('bad parameters are refused, naming the parameter, and no run is created', async () => {
    const flow = doc([code('a', 'return params.n * 2;')], [], {
      params: { n: { type: 'number', required: true } },
    });
    const { flow: saved } = await engine.api.flows.import({ document: flow });
    await assert.rejects(
      engine.api.runs.start({ flowId: saved.id, params: { n: 'three' } }),
      /parameter "n": must be a number/,
    );
    await assert.rejects(engine.api.runs.start({ flowId: saved.id }), /parameter "n": is required/);
    assert.equal((await engine.api.runs.list({ flowId: saved.id })).runs.length, 0);
    const run = await engine.waitForRun(
      (await engine.api.runs.start({ flowId: saved.id, params: { n: 21 } })).id,
    );
    assert.equal(taskOf(run, 'a').output, 42);
  });

  test('retrying a failed run reuses completed outputs and re-runs the rest', async () => {
    const server = await startHttpServer((_req, res, _b, index) =>
      json(res, index === 0 ? 503 : 200, { index }),
    );
    try {
      const flow = doc(
        [
          code('first', 'return Math.random();'),
          { id: 'call', type: 'http', config: { url: server.url } },
        ],
        [{ source: 'first', target: 'call' }],
      );
      const failed = await engine.waitForRun(await engine.run(flow));
      assert.equal(failed.state, 'failed');
      const { id } = await engine.api.runs.retry({ id: failed.id });
      const retried = await engine.waitForRun(id);
      assert.equal(retried.state, 'completed');
      assert.equal(retried.retryOfRunId, failed.id);
      assert.equal(taskOf(retried, 'first').state, 'cached');
      assert.equal(taskOf(retried, 'first').output, taskOf(failed, 'first').output);
      assert.equal(taskOf(retried, 'call').state, 'completed');
      assert.equal(server.requests.length, 2);
    } finally {
      await server.close();
    }
  });
});

async function snapshot(taskRunId: string) {
  const db = engine.tdb.db;
  const [task] = await db.select().from(taskRuns).where(eq(taskRuns.id, taskRunId));
  const attempts = await db
    .select()
    .from(taskAttempts)
    .where(eq(taskAttempts.taskRunId, taskRunId));
  const transitions = await db
    .select()
    .from(runTransitions)
    .where(and(eq(runTransitions.taskRunId, taskRunId)));
  return { task, attempts, transitions: transitions.length };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
