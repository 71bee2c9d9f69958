import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { format } from 'node:util';
import { CodeError, type SandboxLog, SandboxPool } from './index';

// The prelude compiles the log formatter and the output checker only when an execution first
// needs them, which may be after user code replaced the globals. These tests replace them and
// expect exactly what an untouched sandbox gives.

let pool: SandboxPool;

before(() => {
  pool = new SandboxPool({ size: 2 });
});

after(async () => {
  await pool.close();
});

/** Runs `source` and returns its output and the messages it logged. */
async function runLogging(source: string) {
  const logs: SandboxLog[] = [];
  const result = await pool.run({ source, inputs: {}, params: {}, timeoutMs: 5000 }, (log) =>
    logs.push(log),
  );
  return { output: result.output, messages: logs.map((log) => log.message) };
}

async function outputError(source: string) {
  try {
    await pool.run({ source, inputs: {}, params: {}, timeoutMs: 5000 });
  } catch (error) {
    assert.ok(error instanceof CodeError, `expected a CodeError, got ${String(error)}`);
    assert.equal(error.kind, 'output', error.message);
    return error.message;
  }
  assert.fail('expected the output to be refused');
}

/** Values of every kind the formatter tells apart, made while the built-ins are untouched. */
const MAKE_VALUES = `
  class Point { constructor() { this.x = 1; this['y-z'] = [2, 'two\\n']; } }
  const values = [
    'text', -0, 1.5, 10n, Symbol('s'), true, undefined, null,
    function named() {}, () => {}, class Shape {},
    new Error('disk full'), new Date(0), new Date(NaN), /a+b/g, Promise.resolve(1),
    [1, [2, [3, [4, [5]]]]], new Uint8Array([1, 2]),
    new Map([['k', { v: 1 }]]), new Set(['a', 'b']),
    new Point(), Object.create(null), { get g() { return 1; }, set s(v) {} },
    Array.from({ length: 120 }, (_, i) => i),
  ];
  const circular = { name: 'loop' };
  circular.self = circular;
  values.push(circular);
`;

const LOG_VALUES = `
  for (const value of values) log.info(value);
  log.info('%s and %d and %i and %f and %j and %o and %O and %c|%%', 'str', '42', 3.9, '2.5', { a: [1] }, [1], { b: 2 }, 'css');
  log.info('%j', circular);
  log.info('all', 'plain', 'text');
  log.warn('100% sure');
  log.error('left %s', 'over', 'args', 7);
`;

/** Replaces every global and built-in method the prelude captured with one that fails loudly. */
const REPLACE_BUILTINS = `
  const { defineProperty, getPrototypeOf } = Object;
  const Failure = Error;
  const FunctionPrototype = getPrototypeOf(function () {});
  const ObjectPrototype = getPrototypeOf({});
  const trap = (name) =>
    new Proxy(function () {}, {
      get() { throw new Failure(name + ' was looked up after user code replaced it'); },
      apply() { throw new Failure(name + ' was called after user code replaced it'); },
      construct() { throw new Failure(name + ' was constructed after user code replaced it'); },
    });
  for (const name of [
    'Object', 'Array', 'JSON', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Error', 'InternalError',
    'Promise', 'Date', 'RegExp', 'ArrayBuffer', 'String', 'Number', 'Math', 'Symbol', 'Reflect',
  ]) {
    globalThis[name] = trap(name);
  }
  for (const name of ['toString', 'call', 'apply', 'bind']) FunctionPrototype[name] = trap(name);
  // A name the prelude's helpers use but the global object lacks would be found here.
  for (const name of [
    'parse', 'stringify', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'ownKeys', 'sameValue',
    'isArray', 'isView', 'toNumber', 'toText', 'isFiniteNumber', 'isNaNNumber', 'trunc',
    'functionSource', 'constructorName', 'captured', 'inspect', 'notJson', 'loadHelper', 'emit',
    'NativeError', 'NativeMap', 'NativeSet', 'NativeDate', 'NativeRegExp', 'NativePromise',
    'ObjectPrototype', 'ArrayPrototype', 'SandboxOutputError',
  ]) {
    defineProperty(ObjectPrototype, name, { get: trap(name), configurable: true });
  }
`;

describe('the lazily compiled log formatter', () => {
  test('formats logs exactly as before when the code replaced the built-ins first', async () => {
    const untouched = await runLogging(`${MAKE_VALUES}${LOG_VALUES} return 1;`);
    const replaced = await runLogging(`${MAKE_VALUES}${REPLACE_BUILTINS}${LOG_VALUES} return 1;`);
    assert.equal(replaced.output, 1);
    assert.deepEqual(replaced.messages, untouched.messages);
    // And they are the real formatting, not two identical failures.
    const byStart = (start: string) => replaced.messages.find((m) => m.startsWith(start));
    assert.equal(replaced.messages[1], '-0');
    assert.equal(replaced.messages[3], '10n');
    assert.equal(replaced.messages[8], '[Function: named]');
    assert.equal(replaced.messages[10], '[class Shape]');
    assert.equal(replaced.messages[12], '1970-01-01T00:00:00.000Z');
    assert.equal(replaced.messages[13], 'Invalid Date');
    assert.equal(replaced.messages[16], '[ 1, [ 2, [ 3, [Array] ] ] ]');
    assert.equal(byStart('Map('), "Map(1) { 'k' => { v: 1 } }");
    assert.equal(byStart('Point'), "Point { x: 1, 'y-z': [ 2, 'two\\n' ] }");
    assert.equal(byStart('[Object: null'), '[Object: null prototype] {}');
    assert.equal(byStart('{ g'), '{ g: [Getter], s: [Setter] }');
    assert.equal(byStart('{ name'), "{ name: 'loop', self: [Circular] }");
    assert.equal(
      byStart('str and'),
      'str and 42 and 3 and 2.5 and {"a":[1]} and [ 1 ] and { b: 2 } and |%',
    );
    assert.deepEqual(replaced.messages.slice(-4), [
      '[Circular]',
      'all plain text',
      '100% sure',
      'left over args 7',
    ]);
  });

  test('a first log from a nested function, after the code changed Object.prototype', async () => {
    const source = `
      const map = new Map([[1, { deep: [true] }]]);
      const when = new Date(0);
      await null;
      Object.prototype.polluted = 'everywhere';
      Object.defineProperty(Object.prototype, 'toString', { value: () => 'hijacked' });
      ${REPLACE_BUILTINS}
      const nested = (depth) => {
        if (depth > 0) return [depth].map(() => nested(depth - 1))[0];
        log.info('at the bottom:', map, when, { list: [1, 'a'] });
        return depth;
      };
      return nested(20);`;
    const { output, messages } = await runLogging(source);
    assert.equal(output, 0);
    assert.deepEqual(messages, [
      "at the bottom: Map(1) { 1 => { deep: [ true ] } } 1970-01-01T00:00:00.000Z { list: [ 1, 'a' ] }",
    ]);
  });

  test('strings alone are logged as util.format prints them', async () => {
    const cases: string[][] = [
      [],
      ['plain'],
      ['two', 'words'],
      ['100%'],
      ['50% off', 'today'],
      ['%s!', 'hi'],
      ['%%', 'x'],
      ['%d', 'not a number'],
      ['%s and %s', 'one'],
    ];
    const source = cases.map((args) => `log.info(${args.map((a) => JSON.stringify(a))});`);
    const { messages } = await runLogging(`${source.join('\n')} return null;`);
    assert.deepEqual(
      messages,
      cases.map((args) => format(...args)),
    );
  });

  test('a first log at the bottom of the stack still works, a frame or two up', async () => {
    // Compiling the formatter there overflows the stack; the failure must not stick.
    const source = `
      function down(n) {
        try {
          return down(n + 1);
        } catch {
          log.info('bottom', { n });
          return n;
        }
      }
      return down(0);`;
    const { output, messages } = await runLogging(source);
    assert.equal(typeof output, 'number');
    assert.deepEqual(messages, [`bottom { n: ${output} }`]);
  });

  test('an error thrown while formatting shows only the user frames', async () => {
    const source = `class Odd { static get name() { throw new Error('no name'); } }
log.info('value', Odd);`;
    try {
      await pool.run({ source, inputs: {}, params: {}, timeoutMs: 5000 });
      assert.fail('expected the log call to throw');
    } catch (error) {
      assert.ok(error instanceof CodeError, String(error));
      assert.equal(error.message, 'no name');
      assert.doesNotMatch(error.userStack ?? '', /sandbox-prelude/);
      assert.match(error.userStack ?? '', /code\.js:1:/);
    }
  });
});

describe('the lazily compiled output checker', () => {
  test('names the bad path when the code replaced the built-ins first', async () => {
    const prepare = (returned: string) =>
      `const map = new Map(); const set = new Set(); const when = new Date(0);
       ${REPLACE_BUILTINS}
       return ${returned};`;
    assert.match(
      await outputError(prepare('{ items: [1, () => 2] }')),
      /^The return value is not JSON-serialisable: output\.items\[1\] is a function$/,
    );
    assert.match(
      await outputError(prepare("{ 'odd key': { m: map } }")),
      /output\["odd key"\]\.m is a Map \(convert it with Object\.fromEntries\(\)\)$/,
    );
    assert.match(await outputError(prepare('[set]')), /output\[0\] is a Set/);
    assert.match(await outputError(prepare('{ n: 10n }')), /output\.n is a BigInt/);
    assert.match(await outputError(prepare('{ n: 0 / 0 }')), /output\.n is NaN/);
    assert.match(
      await outputError(prepare('(() => { const a = {}; a.self = a; return a; })()')),
      /^The return value is not JSON-serialisable: .*circular/,
    );
  });

  test('accepts class instances and dates when the code replaced the built-ins first', async () => {
    const source = `class Point { constructor() { this.x = 1; } }
      const when = new Date(0);
      ${REPLACE_BUILTINS}
      return { point: new Point(), when, list: [new Point()] };`;
    const { output } = await runLogging(source);
    assert.deepEqual(output, {
      point: { x: 1 },
      when: '1970-01-01T00:00:00.000Z',
      list: [{ x: 1 }],
    });
  });
});
