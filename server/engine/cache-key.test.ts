import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cacheKey, stableStringify } from './cache-key';

describe('stableStringify', () => {
  test('sorts object keys at every depth', () => {
    assert.equal(
      stableStringify({ b: 1, a: { d: [{ y: 1, x: 2 }], c: 'x' } }),
      '{"a":{"c":"x","d":[{"x":2,"y":1}]},"b":1}',
    );
  });

  test('keeps array order, which is meaningful', () => {
    assert.notEqual(stableStringify([1, 2]), stableStringify([2, 1]));
  });

  test('drops undefined fields and writes what JSON would for the rest', () => {
    assert.equal(stableStringify({ a: undefined, b: null, f: () => 1 }), '{"b":null}');
    assert.equal(stableStringify([undefined, Number.NaN, 'é"\n']), '[null,null,"é\\"\\n"]');
    assert.equal(
      stableStringify(new Date('2024-01-02T03:04:05.000Z')),
      '"2024-01-02T03:04:05.000Z"',
    );
    assert.equal(stableStringify(undefined), 'null');
  });

  test('agrees with JSON.stringify on values whose keys are already sorted', () => {
    const value = { a: [1, 'two', true, null, { b: 1.5, c: -0 }], z: 'ü\u2028' };
    assert.equal(stableStringify(value), JSON.stringify(value));
  });

  test('refuses values it cannot represent faithfully', () => {
    assert.throws(() => stableStringify(new Map([['a', 1]])), /cannot hash a Map/);
    assert.throws(() => stableStringify({ s: new Set([1]) }), /cannot hash a Set/);
    assert.throws(() => stableStringify({ n: 10n }), /cannot hash a bigint/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.throws(() => stableStringify(loop), /contains itself/);
  });

  test('a value repeated side by side is not mistaken for a cycle', () => {
    const shared = { x: 1 };
    assert.equal(stableStringify([shared, shared]), '[{"x":1},{"x":1}]');
  });
});

describe('cacheKey', () => {
  const input = {
    type: 'http',
    config: { method: 'POST', url: 'https://example.com', headers: { a: '1', b: '2' } },
    inputs: { list: { output: [1, 2, 3] } },
    version: '',
  };

  test('is a hex sha256', () => {
    assert.match(cacheKey(input), /^[0-9a-f]{64}$/);
  });

  test('ignores key order anywhere in the input', () => {
    const reordered = {
      version: '',
      inputs: { list: { output: [1, 2, 3] } },
      config: { headers: { b: '2', a: '1' }, url: 'https://example.com', method: 'POST' },
      type: 'http',
    };
    assert.equal(cacheKey(reordered), cacheKey(input));
  });

  test('changes when the type, config, inputs or version change', () => {
    const base = cacheKey(input);
    const variants = [
      { ...input, type: 'code' },
      { ...input, config: { ...input.config, method: 'PUT' } },
      { ...input, config: { ...input.config, headers: { a: '1', b: '3' } } },
      { ...input, inputs: { list: { output: [1, 2] } } },
      { ...input, inputs: { list: { output: ['1', 2, 3] } } },
      { ...input, version: '2' },
    ];
    const keys = variants.map(cacheKey);
    for (const key of keys) assert.notEqual(key, base);
    assert.equal(new Set(keys).size, keys.length);
  });

  test('does not confuse a value moved between fields', () => {
    assert.notEqual(
      cacheKey({ type: 'code', config: { a: 1 }, inputs: {}, version: '' }),
      cacheKey({ type: 'code', config: {}, inputs: { a: 1 }, version: '' }),
    );
  });
});
