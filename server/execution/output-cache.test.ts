import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { immutableValues } from '@/server/sandbox/immutable-values';
import { OutputCache } from './output-cache';

describe('OutputCache', () => {
  test('keeps large outputs by run, frozen all the way down and marked immutable', () => {
    const cache = new OutputCache(1000, 100);
    const value = { list: [1, 2, { deep: [3] }] };
    assert.equal(cache.offer('run-a', 't1', value, 200), value);
    assert.ok(Object.isFrozen(value) && Object.isFrozen(value.list));
    assert.ok(Object.isFrozen((value.list[2] as { deep: number[] }).deep));
    assert.ok(immutableValues.has(value));
    assert.deepEqual([...cache.outputsOf('run-a')], [['t1', value]]);
    assert.equal(cache.outputsOf('run-b').size, 0, 'another run sees none of them');
  });

  test('leaves small outputs (and outputs over a quarter of the budget) alone', () => {
    const cache = new OutputCache(1000, 100);
    const small = { a: 1 };
    cache.offer('run', 'small', small, 99);
    cache.offer('run', 'huge', { b: 2 }, 251);
    assert.ok(!Object.isFrozen(small), 'not kept, not frozen');
    assert.equal(cache.outputsOf('run').size, 0);
  });

  test('over budget, the least recently used go first', () => {
    const cache = new OutputCache(1000, 100);
    for (const run of ['a', 'b', 'c', 'd']) cache.offer(`run-${run}`, `${run}1`, [run], 240);
    cache.outputsOf('run-a'); // a1 used: b1 is now the oldest
    cache.offer('run-e', 'e1', ['e'], 240);
    assert.equal(cache.outputsOf('run-b').size, 0, 'b1 went');
    for (const run of ['a', 'c', 'd', 'e']) assert.equal(cache.outputsOf(`run-${run}`).size, 1);
    assert.deepEqual(cache.size, { entries: 4, bytes: 960 });
  });
});
