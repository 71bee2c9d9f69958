import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowDocument, FlowNode } from './document';
import { type NodeSettings, nodeSettings, retryDelayMs, shouldRetry } from './retry';

const flow: FlowDocument = { version: 1, name: 'f', nodes: [], edges: [] };
const bare: FlowNode = { id: 'n', type: 'code' };

describe('nodeSettings', () => {
  test('a node without settings gets the documented defaults', () => {
    assert.deepEqual(nodeSettings(bare, flow), {
      retries: 0,
      delaySeconds: 1,
      backoff: 'fixed',
      jitter: 0,
      maxDelaySeconds: 3600,
      cache: { enabled: false, ttlSeconds: null, version: '' },
      timeoutSeconds: null,
      concurrencyTag: null,
      pool: null,
    } satisfies NodeSettings);
  });

  test('every setting the node gives is kept', () => {
    const node: FlowNode = {
      ...bare,
      retry: {
        retries: 3,
        delaySeconds: 2,
        backoff: 'exponential',
        jitter: 0.2,
        maxDelaySeconds: 60,
      },
      cache: { enabled: true, ttlSeconds: 600, version: 4 },
      timeoutSeconds: 30,
      concurrencyTag: 'warehouse',
      pool: 'gpu',
    };
    assert.deepEqual(nodeSettings(node, { ...flow, settings: { pool: 'default' } }), {
      retries: 3,
      delaySeconds: 2,
      backoff: 'exponential',
      jitter: 0.2,
      maxDelaySeconds: 60,
      cache: { enabled: true, ttlSeconds: 600, version: '4' },
      timeoutSeconds: 30,
      concurrencyTag: 'warehouse',
      pool: 'gpu',
    });
  });

  test('the pool falls back to the flow pool', () => {
    assert.equal(nodeSettings(bare, { ...flow, settings: { pool: 'night' } }).pool, 'night');
  });

  test('the default cap never shortens a long fixed delay the user wrote', () => {
    const node: FlowNode = { ...bare, retry: { retries: 1, delaySeconds: 7200 } };
    const settings = nodeSettings(node, flow);
    assert.equal(retryDelayMs(settings, 1), 7_200_000);
  });
});

describe('retryDelayMs', () => {
  const fixed = { delaySeconds: 2, backoff: 'fixed', jitter: 0, maxDelaySeconds: 3600 } as const;
  const exponential = { ...fixed, backoff: 'exponential' } as const;

  test('a fixed delay is the same for every attempt', () => {
    assert.deepEqual(
      [1, 2, 5].map((n) => retryDelayMs(fixed, n)),
      [2000, 2000, 2000],
    );
  });

  test('exponential backoff doubles from the base delay', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(exponential, n)),
      [2000, 4000, 8000, 16000],
    );
  });

  test('exponential backoff stops at maxDelaySeconds, even after very many attempts', () => {
    const capped = { ...exponential, maxDelaySeconds: 10 };
    assert.deepEqual(
      [3, 4, 5, 2000].map((n) => retryDelayMs(capped, n)),
      [8000, 10000, 10000, 10000],
    );
    assert.equal(retryDelayMs({ ...exponential, delaySeconds: 0 }, 2000), 0);
  });

  test('jitter spreads the delay within ±jitter·delay, driven by random()', () => {
    const jittered = { ...fixed, delaySeconds: 10, jitter: 0.2 };
    assert.equal(
      retryDelayMs(jittered, 1, () => 0),
      8000,
    );
    assert.equal(
      retryDelayMs(jittered, 1, () => 0.5),
      10000,
    );
    assert.equal(
      retryDelayMs(jittered, 1, () => 0.75),
      11000,
    );
    assert.equal(
      retryDelayMs(jittered, 1, () => 0.999999),
      12000,
    );
  });

  test('jitter applies to the capped delay, so the result stays within cap·(1+jitter)', () => {
    const settings = { ...exponential, delaySeconds: 1, maxDelaySeconds: 10, jitter: 0.5 };
    assert.equal(
      retryDelayMs(settings, 10, () => 1),
      15000,
    );
    assert.equal(
      retryDelayMs(settings, 10, () => 0),
      5000,
    );
  });

  test('full jitter never goes negative, even with a misbehaving random()', () => {
    const settings = { ...fixed, jitter: 1 };
    assert.equal(
      retryDelayMs(settings, 1, () => 0),
      0,
    );
    assert.equal(
      retryDelayMs(settings, 1, () => -5),
      0,
    );
    assert.equal(
      retryDelayMs(settings, 1, () => 7),
      4000,
    );
    assert.equal(
      retryDelayMs(settings, 1, () => Number.NaN),
      2000,
    );
  });

  test('an attempt number below 1 is treated as the first, instead of failing the failure path', () => {
    assert.equal(retryDelayMs(exponential, 0), 2000);
    assert.equal(retryDelayMs(exponential, -3), 2000);
    assert.equal(retryDelayMs(exponential, Number.NaN), 2000);
  });
});

describe('shouldRetry', () => {
  test('allows 1 + retries attempts in all', () => {
    const settings = nodeSettings({ ...bare, retry: { retries: 2 } }, flow);
    assert.equal(shouldRetry(settings, 1), true);
    assert.equal(shouldRetry(settings, 2), true);
    assert.equal(shouldRetry(settings, 3), false);
  });

  test('no retries means the first failure is final', () => {
    assert.equal(shouldRetry(nodeSettings(bare, flow), 1), false);
  });
});
