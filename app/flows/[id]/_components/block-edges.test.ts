/**
 * Where a zoomed-out canvas attaches edges to blocks (blockAnchor), without
 * a browser. `tests/browser/editor-zoomed-out.test.ts` checks the same
 * anchor against the handle React Flow measures in Chromium.
 *
 *   node --import tsx --test 'app/flows/[id]/_components/block-edges.test.ts'
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockAnchor } from './node-block';

const at = { x: 1000, y: 500 };

test('an edge enters a block on its left side, halfway down', () => {
  assert.deepEqual(blockAnchor(at, 'target'), { x: 999.5, y: 540 });
});

test('a task with one output sends its edges from the right side, halfway down', () => {
  assert.deepEqual(blockAnchor(at, 'source'), { x: 1240.5, y: 540 });
  assert.deepEqual(blockAnchor(at, 'source', [], null), { x: 1240.5, y: 540 });
});

test('named outputs are spread down the right side in order, as the block draws its handles', () => {
  const outputs = ['true', 'false'];
  // The block's inside is 72 high (80, less a 4-unit border at each end).
  assert.deepEqual(blockAnchor(at, 'source', outputs, 'true'), { x: 1240.5, y: 504 + 72 / 3 });
  assert.deepEqual(blockAnchor(at, 'source', outputs, 'false'), {
    x: 1240.5,
    y: 504 + (72 * 2) / 3,
  });
  assert.deepEqual(blockAnchor(at, 'source', ['only'], 'only'), { x: 1240.5, y: 540 });
});

test('as in React Flow, an edge without a handle leaves from the first output; one naming a handle the block lacks is not drawn', () => {
  const outputs = ['true', 'false'];
  assert.deepEqual(blockAnchor(at, 'source', outputs), blockAnchor(at, 'source', outputs, 'true'));
  assert.equal(blockAnchor(at, 'source', outputs, 'maybe'), null);
  assert.equal(blockAnchor(at, 'source', [], 'maybe'), null);
});
