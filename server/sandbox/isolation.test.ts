import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CodeError, type CodeErrorKind, type SandboxLog, SandboxPool } from './index';

// One host runs every execution here, one after another: a host restores its engine's memory
// from an image taken before any user code ran (host.mjs, createRestorableSandbox). These tests
// check that nothing an execution does reaches the next one on the same host.

let pool: SandboxPool;
let hostPid: number | undefined;

before(async () => {
  pool = new SandboxPool({ size: 1 });
  await run('return 1');
  hostPid = pool.hostPids()[0];
});

after(async () => {
  await pool.close();
});

function run(source: string, timeoutMs = 2000, onLog?: (log: SandboxLog) => void) {
  return pool.run({ source, inputs: { n: 1 }, params: {}, timeoutMs }, onLog);
}

async function failsWith(source: string, kind: CodeErrorKind, timeoutMs = 2000) {
  try {
    await run(source, timeoutMs);
  } catch (error) {
    assert.ok(error instanceof CodeError, `expected a CodeError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return;
  }
  assert.fail(`expected a CodeError of kind ${kind}`);
}

describe('consecutive executions on one host', () => {
  test('globals, late promise jobs and replaced built-ins do not reach the next execution', async () => {
    await run(`
      globalThis.leak = 'secret';
      var declared = 1;
      Object.prototype.polluted = true;
      Array.prototype.push = null;
      JSON.stringify = () => 'replaced';
      Math.random = () => 4;
      (async () => { for (let i = 0; i < 100; i++) await null; globalThis.late = true; })();
      return 1;
    `);
    const { output } = await run(`
      return [typeof leak, typeof declared, typeof late, 'polluted' in {}, typeof [].push,
        JSON.stringify({ a: 1 }), Math.random() === 4];
    `);
    assert.deepEqual(output, [
      'undefined',
      'undefined',
      'undefined',
      false,
      'function',
      '{"a":1}',
      false,
    ]);
    assert.deepEqual(pool.hostPids(), [hostPid]);
  });

  test('Math.random starts from a different seed in every execution', async () => {
    const seen = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      const { output } = await run('return [Math.random(), Math.random()]');
      seen.add(JSON.stringify(output));
    }
    assert.equal(seen.size, 5);
  });

  test('time and memory limits still hold after executions that hit them', async () => {
    await failsWith('while (true) {}', 'timeout', 300);
    await failsWith('return new Array(2 ** 27).fill(1).length;', 'memory');
    assert.equal((await run('return inputs.n + 1')).output, 2);
    await failsWith('for (;;) {}', 'timeout', 300);
    // ~32 MiB of values: grows the engine's memory past the image, which must not matter.
    const big = 'return new Array(4 * 1024 * 1024).fill(0).length;';
    assert.equal((await run(big)).output, 4 * 1024 * 1024);
    const small = pool.run({
      source: big,
      inputs: {},
      params: {},
      timeoutMs: 2000,
      memoryLimitBytes: 8 * 1024 * 1024,
    });
    await assert.rejects(small, (error) => error instanceof CodeError && error.kind === 'memory');
    assert.equal((await run(big)).output, 4 * 1024 * 1024);
    assert.equal((await run('return inputs.n + 2')).output, 3);
    assert.deepEqual(pool.hostPids(), [hostPid]);
  });

  test('thrown values of every kind leave the next execution working', async () => {
    for (const thrown of ['10n', "Symbol('s')", 'null', '{ a: 1 }', "new Error('e')"]) {
      await failsWith(`throw ${thrown}`, thrown === 'null' ? 'memory' : 'error');
      assert.equal((await run('return inputs.n')).output, 1);
    }
  });

  test('a helper compiled in one execution is compiled afresh, from intact built-ins, in the next', async () => {
    const messages: string[] = [];
    await run('log.info({ a: 1 }); return 1', 2000, (log) => messages.push(log.message));
    await run(
      "Object.keys = () => []; String = () => 'replaced'; log.info({ b: 2 }, 5); return 1",
      2000,
      (log) => messages.push(log.message),
    );
    assert.deepEqual(messages, ['{ a: 1 }', '{ b: 2 } 5']);
  });
});
