import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { permissionFlag } from './host-command';
import { immutableValues } from './immutable-values';
import { CodeError, type CodeErrorKind, type SandboxLog, SandboxPool } from './index';

const TIMEOUT_MS = 2000;

let pool: SandboxPool;

before(() => {
  pool = new SandboxPool({ size: 2 });
});

after(async () => {
  await pool.close();
});

function run(
  source: string,
  extra: { inputs?: unknown; params?: unknown; timeoutMs?: number; memoryLimitBytes?: number } = {},
) {
  return pool.run({
    source,
    inputs: extra.inputs ?? {},
    params: extra.params ?? {},
    timeoutMs: extra.timeoutMs ?? TIMEOUT_MS,
    memoryLimitBytes: extra.memoryLimitBytes,
  });
}

/** Asserts `promise` rejects with a CodeError of `kind` and returns it. */
async function codeError(promise: Promise<unknown>, kind: CodeErrorKind | CodeErrorKind[]) {
  const kinds = Array.isArray(kind) ? kind : [kind];
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CodeError, `expected a CodeError, got ${String(error)}`);
    assert.ok(
      kinds.includes(error.kind),
      `expected kind ${kinds.join('|')}, got ${error.kind}: ${error.message}`,
    );
    return error;
  }
  assert.fail(`expected a CodeError of kind ${kinds.join('|')}, but the code succeeded`);
}

/** The pool still runs ordinary code after whatever the previous test did to it. */
async function assertPoolStillWorks() {
  const { output } = await run('return inputs.n + 1', { inputs: { n: 41 } });
  assert.equal(output, 42);
}

async function waitFor(condition: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts `source` (which must log 'started' first) and calls `whenStarted` once it runs. */
function runUntilStarted(
  source: string,
  whenStarted: () => void,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
) {
  return pool.run(
    {
      source,
      inputs: {},
      params: {},
      timeoutMs: options.timeoutMs ?? 10_000,
      signal: options.signal,
    },
    (log) => {
      if (log.message === 'started') whenStarted();
    },
  );
}

describe('running code', () => {
  test('returns a value derived from inputs and params', async () => {
    const result = await run('return inputs.list.map((x) => x * params.factor);', {
      inputs: { list: [1, 2, 3] },
      params: { factor: 2 },
    });
    assert.deepEqual(result.output, [2, 4, 6]);
    assert.equal(typeof result.durationMs, 'number');
  });

  test('inputs, parsed as they are read, behave as a plain object', async () => {
    const inputs = {
      list: [1, 2, 3],
      nested: { a: { b: 'c' } },
      text: 'hi',
      nothing: null,
      dropped: undefined,
      'odd:key"': 1,
      at: new Date('2026-01-02T03:04:05.000Z'),
    };
    const source = `
      const keys = Object.keys(inputs);
      const whole = JSON.stringify(inputs);
      JSON.parse = () => 'replaced';
      const list = inputs.list;
      list.push(4);
      inputs.text = 'changed';
      delete inputs.nothing;
      const copy = { ...inputs };
      return { keys, whole, list: inputs.list, same: list === inputs.list, text: inputs.text,
        hasNothing: 'nothing' in inputs, hasDropped: 'dropped' in inputs, copy,
        descriptor: Object.getOwnPropertyDescriptor(inputs, 'list') };`;
    const { output } = await run(source, { inputs });
    assert.deepEqual(output, {
      keys: ['list', 'nested', 'text', 'nothing', 'odd:key"', 'at'],
      whole: JSON.stringify(inputs),
      list: [1, 2, 3, 4],
      same: true,
      text: 'changed',
      hasNothing: false,
      hasDropped: false,
      copy: {
        list: [1, 2, 3, 4],
        nested: { a: { b: 'c' } },
        text: 'changed',
        'odd:key"': 1,
        at: '2026-01-02T03:04:05.000Z',
      },
      descriptor: { value: [1, 2, 3, 4], writable: true, enumerable: true, configurable: true },
    });
    // Inputs that are not a plain record arrive whole, as before.
    assert.deepEqual((await run('return inputs;', { inputs: [1, { a: 2 }] })).output, [
      1,
      { a: 2 },
    ]);
    assert.equal((await run('return inputs;', { inputs: 'text' })).output, 'text');
  });

  test('awaits promises created in the sandbox', async () => {
    const source = `
      const double = async (x) => x * 2;
      const values = await Promise.all([1, 2, 3].map(double));
      const total = await new Promise((resolve) => resolve(values.reduce((a, b) => a + b, 0)));
      return { values, total };`;
    assert.deepEqual((await run(source)).output, { values: [2, 4, 6], total: 12 });
  });

  test('a promise that can never settle fails instead of hanging', async () => {
    const error = await codeError(run('await new Promise(() => {}); return 1;'), 'error');
    assert.match(error.message, /never settles/);
  });

  test('runs TypeScript with its types stripped', async () => {
    const source = `
      interface Order { id: string; amount: number }
      const orders = inputs.orders as Order[];
      const total = (list: Order[]): number => list.reduce((sum, o) => sum + o.amount, 0);
      enum Size { Small = 'small', Large = 'large' }
      return { total: total(orders), size: total(orders) > 10 ? Size.Large : Size.Small };`;
    const result = await pool.run({
      source,
      language: 'typescript',
      inputs: {
        orders: [
          { id: 'a', amount: 4 },
          { id: 'b', amount: 9 },
        ],
      },
      params: {},
      timeoutMs: TIMEOUT_MS,
    });
    assert.deepEqual(result.output, { total: 13, size: 'large' });
  });

  test('undefined becomes null; dates become ISO strings', async () => {
    assert.equal((await run('log.info("nothing returned")')).output, null);
    assert.deepEqual((await run('return { at: new Date(0), gone: undefined }')).output, {
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  test('captures logs with their levels, formatted like console', async () => {
    const logs: SandboxLog[] = [];
    const source = `
      log.debug('debugging', 1);
      log.info('user', { name: 'ada', tags: ['x'] });
      log.warn('%d items left', 3);
      log.error(new Error('disk full'));
      return 'done';`;
    const result = await pool.run(
      { source, inputs: {}, params: {}, timeoutMs: TIMEOUT_MS },
      (log) => logs.push(log),
    );
    assert.equal(result.output, 'done');
    assert.deepEqual(
      logs.map((log) => log.level),
      ['debug', 'info', 'warn', 'error'],
    );
    assert.equal(logs[0]?.message, 'debugging 1');
    assert.equal(logs[1]?.message, "user { name: 'ada', tags: [ 'x' ] }");
    assert.equal(logs[2]?.message, '3 items left');
    assert.match(logs[3]?.message ?? '', /^Error: disk full/);
    for (const log of logs) assert.ok(!Number.isNaN(Date.parse(log.at)), `bad timestamp ${log.at}`);
  });

  test('caps logs at 1000 lines and says so in one final line', async () => {
    const logs: SandboxLog[] = [];
    await pool.run(
      {
        source: "for (let i = 0; i < 1500; i++) log.info('line ' + i); return 1;",
        inputs: {},
        params: {},
        timeoutMs: TIMEOUT_MS,
      },
      (log) => logs.push(log),
    );
    assert.equal(logs.length, 1001);
    assert.equal(logs[999]?.message, 'line 999');
    assert.match(logs[1000]?.message ?? '', /truncated/);
  });

  test('a thrown error rejects with its message and a stack in the user source', async () => {
    const source =
      'const x = 1;\nfunction check() {\n  throw new Error("quota exceeded");\n}\ncheck();';
    const error = await codeError(run(source), 'error');
    assert.equal(error.message, 'quota exceeded');
    assert.match(error.userStack ?? '', /^Error: quota exceeded\n\s+at check \(code\.js:3:/);
  });

  test('a syntax error says where it is in the user source', async () => {
    const js = await codeError(run('const a = 1;\nconst b = ;\nreturn a;'), 'syntax');
    assert.match(js.message, /line 2, column 11/);
    assert.deepEqual(js.position, { line: 2, column: 11 });

    const ts = await codeError(
      pool.run({
        source: 'const a: number = 1;\nif (a > 0) {\n  return a;',
        language: 'typescript',
        inputs: {},
        params: {},
        timeoutMs: TIMEOUT_MS,
      }),
      'syntax',
    );
    assert.match(ts.message, /unexpected end of code \(line 3/);
  });

  test('output that JSON cannot carry fails with kind output', async () => {
    const fn = await codeError(run('return { items: [1, () => 2] };'), 'output');
    assert.match(fn.message, /output\.items\[1\] is a function/);
    const bigint = await codeError(run('return { n: 10n };'), 'output');
    assert.match(bigint.message, /output\.n is a BigInt/);
    const circular = await codeError(run('const a = {}; a.self = a; return a;'), 'output');
    assert.match(circular.message, /circular/);
    await codeError(run('return { pending: Promise.resolve(1) };'), 'output');
  });
});

describe('shared inputs (sent to each host once)', () => {
  /** A deep-frozen list, shared between executions as the worker's output cache shares outputs. */
  function sharedList(first: number, length: number): readonly number[] {
    const list = Object.freeze(Array.from({ length }, (_, i) => first + i));
    immutableValues.add(list);
    return list;
  }
  const sum = (list: readonly number[]) => list.reduce((total, x) => total + x, 0);

  test('every execution reads the list it was given, on every host, as hosts forget and are replaced', async () => {
    // Each host keeps about two of these lists' texts, so most executions make it forget
    // one; the last list alone is more than it keeps.
    const shared = new SandboxPool({ size: 2, heldInputChars: 1000 });
    try {
      const lists = Array.from({ length: 5 }, (_, k) => sharedList(k * 1000, 80));
      lists.push(sharedList(10_000, 300));
      const source = `
        const keys = Object.keys(inputs);
        const list = inputs.list;
        list.push(-1);
        return { keys, n: inputs.n, first: list[0], sum: list.reduce((t, x) => t + x, 0) };`;
      const runWith = async (n: number, list: readonly number[]) => {
        const { output } = await shared.run({
          source,
          inputs: { n, list, after: 'x' },
          params: {},
          timeoutMs: TIMEOUT_MS,
        });
        // The previous execution's push is not seen: each gets the list as it was sent.
        assert.deepEqual(output, {
          keys: ['n', 'list', 'after'],
          n,
          first: list[0],
          sum: sum(list) - 1,
        });
      };
      const round = (n: number) => Promise.all(lists.map((list) => runWith(n, list)));
      for (let n = 0; n < 4; n++) await round(n);
      // One after another, executions alternate between the hosts: the third finds the
      // list its host already holds, over what it keeps, and must not be told to forget it.
      const largest = lists.at(-1)!;
      for (let n = 0; n < 3; n++) await runWith(n, largest);
      // Code that never reads the list still runs, and the next that does still gets it.
      const untouched = await shared.run({
        source: 'return inputs.n;',
        inputs: { n: 7, list: lists[0] },
        params: {},
        timeoutMs: TIMEOUT_MS,
      });
      assert.equal(untouched.output, 7);
      // Replacement hosts hold nothing: the pool sends them the texts again.
      const killed = shared.hostPids();
      for (const pid of killed) process.kill(pid, 'SIGKILL');
      await waitFor(() => {
        const pids = shared.hostPids();
        return pids.length === 2 && pids.every((pid) => !killed.includes(pid));
      });
      for (let n = 4; n < 6; n++) await round(n);
    } finally {
      await shared.close();
    }
  });
});

describe('branch conditions', () => {
  test('evaluate returns the truth of the expression', async () => {
    const scope = { inputs: { check: { count: 3 } }, params: { min: 2 } };
    assert.equal(await pool.evaluate('inputs.check.count >= params.min', scope), true);
    assert.equal(await pool.evaluate('inputs.check.count > 10', scope), false);
    assert.equal(await pool.evaluate('inputs.check.missing', scope), false);
    assert.equal(await pool.evaluate("'non-empty'", scope), true);
  });

  test('a broken condition fails with a syntax error', async () => {
    const error = await codeError(
      pool.evaluate('inputs.a >', { inputs: {}, params: {} }),
      'syntax',
    );
    assert.match(error.message, /line 1/);
  });
});

describe('containment', () => {
  test('an endless loop times out within the timeout plus a second', async () => {
    const started = performance.now();
    const error = await codeError(run('while (true) {}', { timeoutMs: 500 }), 'timeout');
    assert.ok(performance.now() - started < 1500, 'took too long to stop');
    assert.match(error.message, /500 ms/);
    await assertPoolStillWorks();
  });

  test('an endless loop in async code times out too', async () => {
    await codeError(run('await null; for (;;) {}', { timeoutMs: 300 }), 'timeout');
    await assertPoolStillWorks();
  });

  test('a huge array allocation hits the memory limit', async () => {
    await codeError(run('return new Array(2 ** 27).fill(1).length;'), ['memory', 'crashed']);
    // Many small allocations fill memory so exactly that QuickJS cannot even build its error.
    // Under a 16 MiB limit: filling the default 64 MiB one entry at a time took over 15 s on
    // a slow, loaded machine, and the test then saw its timeout instead.
    const source = 'const seen = new Map(); for (let i = 0; ; i++) seen.set(i, String(i));';
    await codeError(run(source, { timeoutMs: 15_000, memoryLimitBytes: 16 * 1024 * 1024 }), [
      'memory',
      'crashed',
    ]);
    await assertPoolStillWorks();
  });

  test('1 GB allocations (string, typed array) hit the memory limit', async () => {
    await codeError(run("return 'x'.repeat(2 ** 30 - 1).length;"), ['memory', 'crashed']);
    await codeError(run('return new Uint8Array(2 ** 30).length;'), ['memory', 'crashed']);
    await assertPoolStillWorks();
  });

  test('the memory limit can be set per execution', async () => {
    const source = 'return new Array(4 * 1024 * 1024).fill(0).length;'; // ~32 MiB of values
    assert.equal((await run(source)).output, 4 * 1024 * 1024);
    const small = pool.run({
      source,
      inputs: {},
      params: {},
      timeoutMs: TIMEOUT_MS,
      memoryLimitBytes: 8 * 1024 * 1024,
    });
    const error = await codeError(small, 'memory');
    assert.match(error.message, /8 MiB/);
  });

  test('there is no process, require or dynamic import', async () => {
    const env = await codeError(run('return process.env;'), 'error');
    assert.match(env.message, /process.*not defined/);
    const required = await codeError(run("return require('fs');"), 'error');
    assert.match(required.message, /require.*not defined/);
    const imported = await codeError(
      run("const cp = await import('child_process'); return Object.keys(cp);"),
      'error',
    );
    assert.match(imported.message, /child_process/);
    const escaped = await codeError(
      run("return this.constructor.constructor('return process')().env;"),
      'error',
    );
    assert.match(escaped.message, /process.*not defined/);
    await assertPoolStillWorks();
  });

  test("hosts run 5 nicer than the worker, so a busy task never starves the worker's own work", async () => {
    await assertPoolStillWorks();
    const pids = pool.hostPids();
    assert.ok(pids.length > 0);
    const expected = Math.min(19, os.getPriority() + 5);
    for (const pid of pids) assert.equal(os.getPriority(pid), expected, `host ${pid}`);
  });

  test('endless recursion is an error, caught inside the sandbox', async () => {
    const pidsBefore = pool.hostPids().sort();
    const plain = await codeError(run('function f() { return f() + 1; }\nreturn f();'), 'error');
    assert.match(plain.message, /call stack/);
    await codeError(run("const o = { toString() { return '' + o; } }; return '' + o;"), 'error');
    await codeError(run('const f = () => [1].map(f); return f();'), 'error');
    // QuickJS's own limit stopped them: the hosts were not replaced.
    assert.deepEqual(pool.hostPids().sort(), pidsBefore);
    await assertPoolStillWorks();
  });

  test('code that overflows V8 inside the engine retires its host; work queued behind it runs', async () => {
    // Deep nesting overflows V8's own stack inside QuickJS's WebAssembly: the
    // host reports it, then exits. The execution queued behind it on a
    // one-host pool must wait for the replacement, not be handed to the
    // dying host and lost ("the sandbox process stopped", 15 times in 40).
    const single = new SandboxPool({ size: 1 });
    try {
      for (let round = 0; round < 5; round++) {
        const poison = single.run({
          source: "return eval('('.repeat(100000) + '1' + ')'.repeat(100000));",
          inputs: {},
          params: {},
          timeoutMs: 10_000,
        });
        const next = single.run({
          source: 'return 42;',
          inputs: {},
          params: {},
          timeoutMs: 10_000,
        });
        const error = await codeError(poison, 'error');
        assert.match(error.message, /stack overflow/);
        assert.equal((await next).output, 42, `round ${round}`);
      }
    } finally {
      await single.close();
    }
  });

  test('a host killed mid-execution fails that execution as crashed', async () => {
    const killed = new Set<number>();
    const execution = runUntilStarted("log.info('started'); while (true) {}", () => {
      for (const pid of pool.hostPids()) {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      }
    });
    await codeError(execution, 'crashed');
    assert.ok(killed.size > 0);
    // The idle host died too; once the pool has noticed, no execution may be sent to it.
    await waitFor(() => pool.hostPids().every((pid) => !killed.has(pid)));
    await assertPoolStillWorks();
  });

  test('a host that stops answering is killed once its timeout has passed', async () => {
    // A stopped process cannot run its own interrupt handler: only the pool's kill timer helps.
    const started = performance.now();
    const execution = runUntilStarted(
      "log.info('started'); while (true) {}",
      () => {
        for (const pid of pool.hostPids()) process.kill(pid, 'SIGSTOP');
      },
      { timeoutMs: 300 },
    );
    await codeError(execution, 'timeout');
    assert.ok(performance.now() - started < 3000, 'the kill timer fired late');
    // The other, stopped host is still in the pool; let it go on.
    for (const pid of pool.hostPids()) process.kill(pid, 'SIGCONT');
    await assertPoolStillWorks();
  });

  test('aborting the signal stops a running execution promptly', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const execution = runUntilStarted(
      "log.info('started'); while (true) {}",
      () => controller.abort(),
      { signal: controller.signal },
    );
    await codeError(execution, 'aborted');
    assert.ok(performance.now() - started < 2000, 'abort was not prompt');
    await codeError(
      pool.run({
        source: 'return 1',
        inputs: {},
        params: {},
        timeoutMs: 100,
        signal: controller.signal,
      }),
      'aborted',
    );
    await assertPoolStillWorks();
  });

  test('20 concurrent executions on a pool of 2 all succeed', async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      run('await null; return inputs.i * 2;', { inputs: { i } }),
    );
    const outputs = (await Promise.all(runs)).map((result) => result.output);
    assert.deepEqual(
      outputs,
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
  });

  test('hosts run with an empty environment under the permission model', {
    skip: process.platform !== 'linux',
  }, () => {
    const [pid] = pool.hostPids();
    assert.ok(pid);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    assert.ok(
      environ.every((entry) => entry.startsWith('NODE_CHANNEL_')),
      `unexpected environment: ${environ.join(' ')}`,
    );
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes(permissionFlag(process.versions.node)));
    assert.ok(!argv.some((arg) => arg.includes('tsx')), 'the host inherited the parent loader');
  });
});

describe('permissionFlag', () => {
  test('uses the stable flag only where Node has it', () => {
    assert.equal(permissionFlag('20.20.2'), '--experimental-permission');
    assert.equal(permissionFlag('22.12.0'), '--experimental-permission');
    assert.equal(permissionFlag('22.13.0'), '--permission');
    assert.equal(permissionFlag('23.4.0'), '--experimental-permission');
    assert.equal(permissionFlag('23.5.0'), '--permission');
    assert.equal(permissionFlag('24.0.0'), '--permission');
  });
});
