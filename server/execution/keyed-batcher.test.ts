import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyedBatcher } from './keyed-batcher';

/** A commit the test releases by hand, recording every batch it was given. */
function gatedCommit() {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const commit = (items: string[]) => {
    batches.push(items);
    return new Promise<void>((resolve, reject) => {
      gates.push(() => (items.includes('bad') ? reject(new Error('bad item')) : resolve()));
    });
  };
  const release = async () => {
    // Let submitted promises reach the batcher before opening the gate.
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, commit, release };
}

describe('KeyedBatcher', () => {
  test('an item alone commits at once; items arriving meanwhile commit together next', async () => {
    const { batches, commit, release } = gatedCommit();
    const batcher = new KeyedBatcher(commit);
    const first = batcher.submit('run', 'a');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(batches, [['a']]);
    const rest = [batcher.submit('run', 'b'), batcher.submit('run', 'c')];
    await release();
    await first;
    assert.deepEqual(batches, [['a'], ['b', 'c']]);
    await release();
    await Promise.all(rest);
    assert.equal(batches.length, 2);
  });

  test('different keys do not wait for each other', async () => {
    const { batches, commit, release } = gatedCommit();
    const batcher = new KeyedBatcher(commit);
    const one = batcher.submit('run-1', 'a');
    const two = batcher.submit('run-2', 'b');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(batches, [['a'], ['b']]);
    await release();
    await release();
    await Promise.all([one, two]);
  });

  test('a failing batch is retried item by item: only the bad item is rejected', async () => {
    const { batches, commit, release } = gatedCommit();
    const batcher = new KeyedBatcher(commit);
    const first = batcher.submit('run', 'a');
    const good = batcher.submit('run', 'ok');
    const bad = assert.rejects(batcher.submit('run', 'bad'), /bad item/);
    await release(); // ['a']
    await first;
    await release(); // ['ok', 'bad'] fails
    await release(); // ['ok']
    await release(); // ['bad']
    await good;
    await bad;
    assert.deepEqual(batches, [['a'], ['ok', 'bad'], ['ok'], ['bad']]);
    // The key is free again: the next item commits at once.
    const later = batcher.submit('run', 'later');
    await release();
    await later;
    assert.deepEqual(batches.at(-1), ['later']);
  });
});
