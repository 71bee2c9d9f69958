/**
 * A task's inputs on its panel (`runs.task`), against a real database and
 * worker: the outputs of its direct upstream keyed by node id, exactly what
 * the engine handed the task as `inputs`; an upstream that was skipped is
 * listed with its state and no value; a for-each item has its item and
 * index (and the for-each's upstream); a big value is deferred with its
 * size and loads through `runs.taskValue`; a share link reads them for its
 * own run only; a secret stays masked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { LAZY_VALUE_BYTES } from '@/server/runs/lazy-value';
import { SECRET_MASK } from '@/server/secrets/redactor';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { codeNode as code, numberedDocuments } from '../helpers/flows';
import { leakForms, leaksIn } from '../secrets/leak-check';

let engine: TestEngine;

before(async () => {
  engine = await startTestEngine();
});

after(async () => {
  await engine?.close();
});

const flow = numberedDocuments('inputs');

async function completedRun(document: unknown, params?: Record<string, unknown>) {
  const id = await engine.run(document, params);
  const run = await engine.waitForRun(id, 30_000);
  return { id, run };
}

const detail = (runId: string, nodeId: string, share?: string) =>
  engine.api.runs.task({ runId, nodeId, share });

describe('task inputs', () => {
  test("a chain a → b: a's output is b's input, as the task received it", async () => {
    const { id, run } = await completedRun(
      flow(
        [code('a', 'return { n: 1, tags: ["x", "y"] };'), code('b', 'return inputs;')],
        [{ source: 'a', target: 'b' }],
      ),
    );
    assert.equal(run.state, 'completed');
    const b = await detail(id, 'b');
    assert.deepEqual(
      b.inputs.map(({ nodeId, state, passed, deferred, value }) => ({
        nodeId,
        state,
        passed,
        deferred,
        value,
      })),
      [
        {
          nodeId: 'a',
          state: 'completed',
          passed: true,
          deferred: false,
          value: { n: 1, tags: ['x', 'y'] },
        },
      ],
    );
    // b returned the `inputs` it got: the panel shows exactly that.
    assert.deepEqual(b.output, Object.fromEntries(b.inputs.map((i) => [i.nodeId, i.value])));
    assert.equal(b.item, null);
    const a = await detail(id, 'a');
    assert.deepEqual(a.inputs, [], 'a first task receives nothing');
    assert.equal(b.inputs[0]!.bytes, a.outputBytes, "sized like a's own output");
  });

  test('a join with one skipped upstream: listed as skipped, with no value', async () => {
    const { id, run } = await completedRun(
      flow(
        [
          { id: 'check', type: 'branch', config: { condition: 'params.go === true' } },
          code('yes', 'return "took true";'),
          code('no', 'return "took false";'),
          code('join', 'return Object.keys(inputs);'),
        ],
        [
          { source: 'check', target: 'yes', sourceHandle: 'true' },
          { source: 'check', target: 'no', sourceHandle: 'false' },
          { source: 'yes', target: 'join' },
          { source: 'no', target: 'join' },
        ],
        { params: { go: { type: 'boolean', default: false } } },
      ),
      { go: true },
    );
    assert.equal(run.state, 'completed');
    const join = await detail(id, 'join');
    assert.equal(join.state, 'skipped');
    assert.deepEqual(join.inputs, [
      {
        nodeId: 'yes',
        state: 'completed',
        passed: true,
        bytes: '"took true"'.length,
        deferred: false,
        value: 'took true',
      },
      { nodeId: 'no', state: 'skipped', passed: false, bytes: null, deferred: false, value: null },
    ]);
  });

  test("a for-each item: its item and index, and the for-each's upstream", async () => {
    const { id, run } = await completedRun(
      flow(
        [
          code('list', 'return ["red", "green", "blue"];'),
          {
            id: 'each',
            type: 'for-each',
            config: {
              items: '{{ nodes.list.output }}',
              task: { type: 'code', config: { source: 'return { item, index, inputs };' } },
            },
          },
        ],
        [{ source: 'list', target: 'each' }],
      ),
    );
    assert.equal(run.state, 'completed');
    const item = await detail(id, 'each[1]');
    assert.deepEqual(item.item, {
      index: 1,
      bytes: '"green"'.length,
      deferred: false,
      value: 'green',
    });
    assert.deepEqual(
      item.inputs.map((i) => [i.nodeId, i.state, i.value]),
      [['list', 'completed', ['red', 'green', 'blue']]],
    );
    // What the item's task got (it returned it): the same item, index and inputs.
    assert.deepEqual(item.output, {
      item: 'green',
      index: 1,
      inputs: { list: ['red', 'green', 'blue'] },
    });
    const forEach = await detail(id, 'each');
    assert.equal(forEach.item, null, 'the for-each itself is not an item');
    assert.deepEqual(
      forEach.inputs.map((i) => i.nodeId),
      ['list'],
    );
  });

  test('big values are deferred with their size and load on request', async () => {
    const rows = 'Array.from({ length: 3000 }, (_, i) => ({ i, label: "row number " + i }))';
    const { id, run } = await completedRun(
      flow(
        [
          code('big', `return ${rows};`),
          code('count', 'return inputs.big.length;'),
          code('pair', `return [${rows}, "small"];`),
          {
            id: 'each',
            type: 'for-each',
            config: {
              items: '{{ nodes.pair.output }}',
              task: { type: 'code', config: { source: 'return index;' } },
            },
          },
        ],
        [
          { source: 'big', target: 'count' },
          { source: 'pair', target: 'each' },
        ],
      ),
    );
    assert.equal(run.state, 'completed');
    const count = await detail(id, 'count');
    assert.equal(count.output, 3000);
    const [big] = count.inputs;
    assert.equal(big?.nodeId, 'big');
    assert.equal(big.deferred, true);
    assert.equal(big.value, null, 'not sent with the detail');
    assert.ok(big.bytes !== null && big.bytes > LAZY_VALUE_BYTES, `${big.bytes} bytes`);
    const loaded = (await engine.api.runs.taskValue({
      runId: id,
      nodeId: 'big',
      field: 'output',
    })) as unknown[];
    assert.equal(loaded.length, 3000);
    assert.deepEqual(loaded[2999], { i: 2999, label: 'row number 2999' });

    const bigItem = await detail(id, 'each[0]');
    assert.equal(bigItem.item?.deferred, true);
    assert.equal(bigItem.item?.value, null);
    assert.ok((bigItem.item?.bytes ?? 0) > LAZY_VALUE_BYTES);
    const item = (await engine.api.runs.taskValue({
      runId: id,
      nodeId: 'each[0]',
      field: 'item',
    })) as unknown[];
    assert.equal(item.length, 3000);
    const smallItem = await detail(id, 'each[1]');
    assert.deepEqual(smallItem.item, { index: 1, bytes: 7, deferred: false, value: 'small' });
  });

  test('a share link reads the inputs of its own run only', async () => {
    const document = flow(
      [code('a', 'return "from a";'), code('b', 'return inputs.a;')],
      [{ source: 'a', target: 'b' }],
    );
    const { id } = await completedRun(document);
    const { id: otherId } = await completedRun(document);
    const { url } = await engine.api.shares.create({ runId: id });
    const share = url.split('/share/')[1]!;
    const b = await detail(id, 'b', share);
    assert.deepEqual(
      b.inputs.map((i) => [i.nodeId, i.value]),
      [['a', 'from a']],
    );
    assert.equal(
      await engine.api.runs.taskValue({ runId: id, nodeId: 'a', field: 'output', share }),
      'from a',
    );
    // Each read starts when it is awaited: two started together, the second's
    // rejection would be unhandled while the first is checked.
    for (const read of [
      () => detail(otherId, 'b', share),
      () => engine.api.runs.taskValue({ runId: otherId, nodeId: 'a', field: 'output', share }),
    ]) {
      await assert.rejects(
        read,
        (err: unknown) => err instanceof TRPCError && err.code === 'NOT_FOUND',
      );
    }
  });

  test('a secret in an upstream value stays masked in the inputs', async () => {
    const secret = `tok-inputs-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await engine.api.secrets.set({ name: 'INPUTS_TOKEN', value: secret });
    const { id, run } = await completedRun(
      flow(
        [
          {
            id: 'each',
            type: 'for-each',
            config: {
              items: ['{{ secrets.INPUTS_TOKEN }}', 'plain'],
              task: { type: 'code', config: { source: 'return item;' } },
            },
          },
          code('after', 'return inputs.each.length;'),
        ],
        [{ source: 'each', target: 'after' }],
      ),
    );
    assert.equal(run.state, 'completed');
    const item = await detail(id, 'each[0]');
    const downstream = await detail(id, 'after');
    assert.equal(item.item?.value, SECRET_MASK);
    assert.deepEqual(downstream.inputs[0]?.value, [SECRET_MASK, 'plain']);
    const answers = JSON.stringify([
      item,
      downstream,
      await engine.api.runs.taskValue({ runId: id, nodeId: 'each[0]', field: 'item' }),
    ]);
    assert.deepEqual(leaksIn(answers, leakForms(secret)), []);
  });
});
