/**
 * Every tRPC procedure (found by walking the router, so new ones are fuzzed
 * without touching this file), called with owner rights against a real
 * database with generated malformed input: anything at all, and objects
 * shaped like the procedure's real input with one field broken. Whatever
 * comes back, it is never INTERNAL_SERVER_ERROR, and a BAD_REQUEST names
 * the field at fault. Set FUZZ_SEED to replay a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { z } from 'zod';
import { appRouter } from '@/server/api/root';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { FUZZ_SEED, hostileValue, oneFieldBroken } from './arbitraries';

const RUNS_ANYTHING = 150;
const RUNS_SHAPED = 250;

type ZodLike = { _zod?: { def: Record<string, unknown> } };
type AnyProcedure = { _def: { type: string; inputs: unknown[] } };
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, AnyProcedure>,
).map(([path, p]) => ({ path, type: p._def.type, input: p._def.inputs[0] as ZodLike | undefined }));

let engine: TestEngine;
const ids: Record<string, string> = {};

/**
 * A plausible value for a zod schema, so a shaped input gets past every
 * field but the one broken. Ids name real rows where the name says which.
 */
function exampleFor(schema: ZodLike | undefined, key: string, path: string): unknown {
  const def = schema?._zod?.def;
  if (!def) return undefined;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return exampleFor(def.innerType as ZodLike, key, path);
    case 'pipe':
      return exampleFor(def.in as ZodLike, key, path);
    case 'union':
      return exampleFor((def.options as ZodLike[])[0], key, path);
    case 'object':
      return Object.fromEntries(
        Object.entries(def.shape as Record<string, ZodLike>).map(([k, s]) => [
          k,
          exampleFor(s, k, path),
        ]),
      );
    case 'enum':
      return Object.values(def.entries as Record<string, unknown>)[0];
    case 'literal':
      return (def.values as unknown[])[0];
    case 'number':
    case 'int':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'record':
      return {};
    case 'date':
      return new Date();
    case 'string': {
      if (/flowId/i.test(key) || (key === 'id' && path.startsWith('flows.'))) return ids.flow;
      if (/runId/i.test(key) || (key === 'id' && path.startsWith('runs.'))) return ids.run;
      if (def.format === 'uuid' || def.format === 'guid') return ids.flow;
      return 'example';
    }
    default:
      return undefined;
  }
}

/** The issues a BAD_REQUEST carries, each of which must point somewhere. */
function unnamedCulprits(err: TRPCError, input: unknown): string[] {
  const cause = err.cause;
  if (cause instanceof z.ZodError) {
    const inputIsObject = typeof input === 'object' && input !== null && !Array.isArray(input);
    // A whole input of the wrong kind (a number where an object goes) has no field to name.
    return cause.issues
      .filter((i) => inputIsObject && i.path.length === 0 && i.code !== 'unrecognized_keys')
      .filter((i) => !/"[^"]+"|`[^`]+`|\b[a-z]+[A-Z]\w*\b/.test(i.message))
      .map((i) => `${i.code}: ${i.message}`);
  }
  return err.message.trim().length > 0 ? [] : ['(empty message)'];
}

async function call(path: string, input: unknown): Promise<TRPCError | undefined> {
  // biome-ignore lint/suspicious/noExplicitAny: walking the caller proxy by path
  const fn = path.split('.').reduce<any>((node, key) => node[key], engine.api);
  try {
    await fn(input);
    return undefined;
  } catch (err) {
    if (err instanceof TRPCError) return err;
    throw err;
  }
}

function describeInput(input: unknown): string {
  try {
    const s = JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    return s === undefined ? String(input) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return String(input);
  }
}

async function assertAnswersWell(path: string, input: unknown): Promise<void> {
  const err = await call(path, input);
  if (!err) return;
  assert.notEqual(
    err.code,
    'INTERNAL_SERVER_ERROR',
    `${path}(${describeInput(input)}) → 500: ${String((err.cause as Error | undefined)?.message ?? err.message)}`,
  );
  if (err.code === 'BAD_REQUEST') {
    const unnamed = unnamedCulprits(err, input);
    assert.deepEqual(unnamed, [], `${path}(${describeInput(input)}) → unhelpful BAD_REQUEST`);
  }
}

/** The API logs each 500 it maps; the assertion reports them, so keep stderr quiet. */
const consoleError = console.error;
const internalLog: unknown[][] = [];

before(async () => {
  engine = await startTestEngine({ worker: false });
  const { flow } = await engine.api.flows.import({
    document: {
      version: 1,
      name: 'fuzzed',
      params: { count: { type: 'number', default: 1 } },
      nodes: [{ id: 'echo', type: 'code', config: { source: 'return params;' } }],
      edges: [],
    },
  });
  ids.flow = flow.id;
  ids.run = (await engine.api.runs.start({ flowId: flow.id })).id;
  console.error = (...args: unknown[]) => internalLog.push(args);
});
after(async () => {
  console.error = consoleError;
  await engine.close();
});

describe('fuzzing every tRPC procedure', () => {
  test('the walk finds the procedures', () => {
    assert.ok(procedures.length > 50, `only ${procedures.length} procedures found`);
  });

  for (const { path, input } of procedures) {
    test(`${path}: never a 500, and bad input is named`, async () => {
      const example = exampleFor(input, '', path);
      const shaped =
        typeof example === 'object' && example !== null && !Array.isArray(example)
          ? oneFieldBroken(example as Record<string, unknown>)
          : hostileValue;
      const seed = FUZZ_SEED + [...path].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0);
      try {
        await fc.assert(
          fc.asyncProperty(hostileValue, (v) => assertAnswersWell(path, v)),
          { seed, numRuns: RUNS_ANYTHING },
        );
        await fc.assert(
          fc.asyncProperty(shaped, (v) => assertAnswersWell(path, v)),
          { seed, numRuns: RUNS_SHAPED },
        );
      } catch (err) {
        consoleError(`${path}: replay with FUZZ_SEED=${FUZZ_SEED} (procedure seed ${seed})`);
        consoleError(internalLog.slice(-3));
        throw err;
      }
    });
  }
});

describe('what the fuzzing found (regressions)', () => {
  test('text the database cannot store is a BAD_REQUEST naming the field, not a 500', async () => {
    const nul = await call('members.remove', { userId: 'a\u0000b' });
    assert.equal(nul?.code, 'BAD_REQUEST');
    assert.match(nul.message, /"userId" contains a NUL character/);
    const surrogate = await call('flows.rename', { id: ids.flow, name: '\ud800' });
    assert.equal(surrogate?.code, 'BAD_REQUEST');
    assert.match(surrogate.message, /"name" contains an unpaired UTF-16 surrogate/);
    const nested = await call('variables.set', { name: 'v', value: { deep: ['ok', 'x\udc00'] } });
    assert.equal(nested?.code, 'BAD_REQUEST');
    assert.match(nested.message, /"value\.deep\.1"/);
    // A proper pair (an emoji) is fine (on a fresh flow: the fuzzing may have deleted the first).
    const flow = await engine.api.flows.create({ name: 'renamed' });
    assert.equal(await call('flows.rename', { id: flow.id, name: 'fuzzed 🚀' }), undefined);
  });

  test('schedules.upcoming names the broken field instead of "Invalid input"', async () => {
    const err = await call('schedules.upcoming', { id: ids.flow, count: {} });
    assert.equal(err?.code, 'BAD_REQUEST');
    assert.ok(err.cause instanceof z.ZodError);
    assert.deepEqual(
      err.cause.issues.map((i) => i.path.join('.')),
      ['count'],
    );
  });
});
