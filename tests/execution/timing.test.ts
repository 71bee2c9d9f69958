import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { env } from '@/server/env';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { chainEdges as chain, codeNode as code, numberedDocuments } from '../helpers/flows';
import { maxOverlap } from '../helpers/overlap';

/**
 * Behaviour that depends on the clock: delays, flow timeouts, cache TTLs,
 * cache versions, re-running from a node, and cancelling a waiting run.
 * Durations are read from the times the engine recorded, not from this
 * process's event loop.
 */

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

const delay = (id: string, seconds: number) => ({ id, type: 'delay', config: { seconds } });
const doc = numberedDocuments('timing flow');

type Run = Awaited<ReturnType<TestEngine['waitForRun']>>;
const summary = (run: Run) =>
  JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason]));
const ms = (d: Date | null) => {
  assert.ok(d, 'expected a recorded time');
  return d.getTime();
};

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('delays', () => {
  test('a delay waits about its time, shown as running "waiting until …", then the flow goes on', async () => {
    const id = await engine.run(
      doc(
        [code('before', 'return 5;'), delay('pause', 1), code('after', 'return inputs.pause;')],
        chain('before', 'pause', 'after'),
      ),
    );

    const waiting = await waitFor('the delay task waiting', async () => {
      const run = await engine.api.runs.get({ id });
      const pause = taskOf(run, 'pause');
      return pause.state === 'running' && pause.stateReason ? pause : undefined;
    });
    const match = /^waiting until (\d{4}-\d\d-\d\dT[\d:.]+Z)$/.exec(waiting.stateReason ?? '');
    assert.ok(match, `reason while waiting: ${waiting.stateReason}`);
    const until = Date.parse(match[1]!);
    const untilAfterStart = until - ms(waiting.startedAt);
    assert.ok(
      untilAfterStart >= 900 && untilAfterStart <= 1500,
      `waits until ${untilAfterStart} ms after it started, expected about 1000`,
    );

    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed', summary(run));
    const pause = taskOf(run, 'pause');
    const waited = ms(pause.endedAt) - ms(pause.startedAt);
    assert.ok(waited >= 1000, `the delay ended after ${waited} ms, before its 1 s`);
    assert.ok(waited < 3000, `the delay took ${waited} ms for 1 s`);
    assert.equal(pause.stateReason, null, 'no "waiting" reason left on a finished delay');
    const after = taskOf(run, 'after');
    assert.ok(ms(after.startedAt) >= ms(pause.endedAt), 'the next task waited for the delay');
    assert.ok(
      ms(after.startedAt) - ms(taskOf(run, 'before').endedAt) >= 1000,
      'the gap between the tasks around the delay is at least 1 s',
    );
    // The delay's output says how long it waited; the next task receives it.
    const output = pause.output as { waitedSeconds: number };
    assert.ok(output.waitedSeconds >= 1, `waitedSeconds ${output.waitedSeconds}`);
    assert.deepEqual(after.output, output);
  });

  test('waiting delays hold no worker: more delays than worker slots all wait at once', async () => {
    const slots = env().PIPEWRIGHT_WORKER_CONCURRENCY;
    const count = slots + 4;
    const id = await engine.run(doc(Array.from({ length: count }, (_, i) => delay(`wait${i}`, 1))));
    const run = await engine.waitForRun(id);
    assert.equal(run.state, 'completed', summary(run));
    const intervals = run.tasks.map((t) => ({ start: ms(t.startedAt), end: ms(t.endedAt) }));
    // Were a waiting delay to keep its worker, at most `slots` could overlap
    // (the overlap proves it whatever the machine's load; a wall-clock bound
    // would only prove the machine was idle).
    assert.equal(maxOverlap(intervals), count, `${count} delays on ${slots} worker slots`);
  });

  test('cancelling a run that waits in a delay ends it at once', async () => {
    const id = await engine.run(
      doc(
        [code('first', 'return 1;'), delay('long', 60), code('never', 'return 2;')],
        chain('first', 'long', 'never'),
      ),
    );
    await waitFor('the 60 s delay waiting', async () => {
      const long = taskOf(await engine.api.runs.get({ id }), 'long');
      return long.state === 'running' && /^waiting until/.test(long.stateReason ?? '');
    });

    const t0 = Date.now();
    await engine.api.runs.cancel({ id });
    const run = await engine.waitForRun(id, 5_000);
    const took = Date.now() - t0;
    // Far below the delay's 60 s: the cancel did not wait for it (a tighter
    // bound would only measure the machine's load).
    assert.ok(took < 5_000, `cancel took ${took} ms`);
    assert.equal(run.state, 'cancelled', summary(run));
    assert.equal(taskOf(run, 'first').state, 'completed');
    assert.equal(taskOf(run, 'long').state, 'cancelled');
    assert.equal(taskOf(run, 'never').state, 'cancelled');
    assert.equal(taskOf(run, 'never').attempts.length, 0, 'the task after the delay never ran');
  });
});

describe('flow timeout', () => {
  test('a flow over its timeoutSeconds fails within seconds and leaves nothing running', async () => {
    const id = await engine.run(
      doc(
        [code('spin', 'while (true) {}', { timeoutSeconds: 30 }), code('later', 'return 1;')],
        chain('spin', 'later'),
        { settings: { timeoutSeconds: 1 } },
      ),
    );
    const run = await engine.waitForRun(id, 10_000);
    const took = ms(run.endedAt) - ms(run.createdAt);
    assert.equal(run.state, 'failed', summary(run));
    assert.match(run.stateReason ?? '', /timed out/);
    // Far below the node's own 30 s timeout: the flow's 1 s is what ended it.
    assert.ok(took < 10_000, `the 1 s flow timeout ended the run after ${took} ms`);
    const spin = taskOf(run, 'spin');
    // The run, or the task it stopped, says it was the flow's timeout (not the node's 30 s).
    assert.match(
      `${run.stateReason} / ${spin.stateReason}`,
      /flow (run reached its timeout|timed out after 1 s)/,
    );
    assert.ok(spin.state === 'timedout' || spin.state === 'cancelled', `spin ended ${spin.state}`);
    assert.ok(spin.endedAt, 'the spinning task has an end time');
    assert.deepEqual(
      spin.attempts.map((a) => a.state),
      [spin.state],
      'one attempt, closed, and not retried after the flow timed out',
    );
    assert.ok(
      ['skipped', 'cancelled'].includes(taskOf(run, 'later').state),
      `later ended ${taskOf(run, 'later').state}`,
    );

    // The worker is free again afterwards.
    const next = await engine.waitForRun(await engine.run(doc([code('ok', 'return "free";')])));
    assert.equal(taskOf(next, 'ok').output, 'free');
  });
});

describe('cache', () => {
  test('a cached output is served within its ttlSeconds and recomputed after', async () => {
    const { flow } = await engine.api.flows.import({
      document: doc([
        code('pick', 'return Math.random();', { cache: { enabled: true, ttlSeconds: 1 } }),
      ]),
    });
    const start = async () =>
      engine.waitForRun((await engine.api.runs.start({ flowId: flow.id })).id);

    const first = await start();
    const second = await start();
    const firstPick = taskOf(first, 'pick');
    const secondPick = taskOf(second, 'pick');
    assert.equal(firstPick.state, 'completed');
    assert.ok(
      ms(secondPick.startedAt) - ms(firstPick.endedAt) < 1000,
      'the second run looked within the TTL',
    );
    assert.equal(secondPick.state, 'cached');
    assert.equal(secondPick.output, firstPick.output);
    assert.equal(secondPick.cachedFromTaskRunId, firstPick.id);

    await new Promise((r) => setTimeout(r, 1500));
    const third = await start();
    const thirdPick = taskOf(third, 'pick');
    assert.equal(thirdPick.state, 'completed', 'an expired cache entry is not served');
    assert.notEqual(thirdPick.output, firstPick.output);
    assert.equal(thirdPick.attempts.length, 1);
  });

  test('bumping cache.version misses the values cached under the old version', async () => {
    const cached = (version: number) =>
      doc([code('pick', 'return Math.random();', { cache: { enabled: true, version } })], [], {
        name: 'versioned cache',
      });
    const { flow } = await engine.api.flows.import({ document: cached(1) });
    const start = async () =>
      engine.waitForRun((await engine.api.runs.start({ flowId: flow.id })).id);

    const v1 = taskOf(await start(), 'pick');
    const v1Again = taskOf(await start(), 'pick');
    assert.equal(v1.state, 'completed');
    assert.equal(v1Again.state, 'cached', 'the same version hits the cache');
    assert.equal(v1Again.output, v1.output);

    const saved = await engine.api.flows.update({
      id: flow.id,
      baseVersion: 1,
      document: cached(2),
    });
    assert.equal(saved.version.version, 2);
    const v2 = taskOf(await start(), 'pick');
    assert.equal(v2.state, 'completed', 'a new cache version runs the task again');
    assert.notEqual(v2.output, v1.output);
    const v2Again = taskOf(await start(), 'pick');
    assert.equal(v2Again.state, 'cached');
    assert.equal(v2Again.output, v2.output, 'the new version caches its own value');
  });
});

describe('retry from a node', () => {
  test('re-running from b runs b and c again and reuses a', async () => {
    const original = await engine.waitForRun(
      await engine.run(
        doc(
          [
            code('a', 'return Math.random();'),
            code('b', 'return { a: inputs.a, mine: Math.random() };'),
            code('c', 'return { b: inputs.b, mine: Math.random() };'),
          ],
          chain('a', 'b', 'c'),
        ),
      ),
    );
    assert.equal(original.state, 'completed', summary(original));

    const { id } = await engine.api.runs.retry({ id: original.id, fromNodeId: 'b' });
    assert.notEqual(id, original.id);
    const retried = await engine.waitForRun(id);
    assert.equal(retried.state, 'completed', summary(retried));
    assert.equal(retried.retryOfRunId, original.id);

    const a = taskOf(retried, 'a');
    assert.equal(a.state, 'cached');
    assert.equal(a.output, taskOf(original, 'a').output);
    assert.equal(a.cachedFromTaskRunId, taskOf(original, 'a').id);
    assert.equal(a.attempts.length, 0, 'a did not run again');

    const b = taskOf(retried, 'b');
    const c = taskOf(retried, 'c');
    for (const task of [b, c]) {
      assert.equal(task.state, 'completed');
      assert.equal(task.attempts.length, 1, `${task.nodeId} ran again`);
    }
    const bOut = b.output as { a: number; mine: number };
    const cOut = c.output as { b: unknown; mine: number };
    assert.equal(bOut.a, taskOf(original, 'a').output, 'b received the reused output of a');
    assert.notEqual(bOut.mine, (taskOf(original, 'b').output as { mine: number }).mine);
    assert.deepEqual(cOut.b, bOut, 'c received the new output of b');
    assert.notEqual(cOut.mine, (taskOf(original, 'c').output as { mine: number }).mine);
  });
});
