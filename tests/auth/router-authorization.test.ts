/**
 * Every tRPC procedure, found by walking the whole router (so procedures
 * added later are covered without touching this file), called as an
 * anonymous visitor, a viewer and an editor. The refusal must come before
 * anything else — input parsing included — so every call passes no input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { appRouter, createCaller } from '@/server/api/root';
import { contextFor } from '@/server/api/trpc';
import type { Caller } from '@/server/auth/caller';
import type { Runtime } from '@/server/runtime';

/**
 * Procedures anyone may call without signing in, each with its reason. A
 * new entry here is a decision to make something public: review it.
 */
const PUBLIC_PROCEDURES: Record<string, string> = {};

/**
 * A runtime that fails loudly if touched: a refused call must never reach
 * the database or the queue.
 */
const untouchableRuntime = new Proxy({} as Runtime, {
  get(_target, key) {
    throw new Error(`a refused call touched runtime.${String(key)}`);
  },
});

const anonymous: Caller = { kind: 'anonymous' };
const person = (role: 'viewer' | 'editor' | 'owner'): Caller => ({
  kind: 'user',
  user: { id: `user-${role}`, name: `A ${role}`, email: `${role}@example.com` },
  role,
  via: 'session',
});

type AnyProcedure = { _def: { type: 'query' | 'mutation' | 'subscription' } };
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, AnyProcedure>,
).map(([path, procedure]) => ({ path, type: procedure._def.type }));

async function callAs(caller: Caller, path: string): Promise<unknown> {
  const api = createCaller(contextFor(untouchableRuntime, caller));
  // biome-ignore lint/suspicious/noExplicitAny: walking the caller proxy by path
  const fn = path.split('.').reduce<any>((node, key) => node[key], api);
  return fn(undefined);
}

/** Owners only: the secrets that hold values (`secrets.names` lists names only, for every member). */
const OWNER_SECRETS_PROCEDURES = ['secrets.list', 'secrets.set', 'secrets.delete'];
/** What the README's role table says editors do, one mutation per verb. */
const EDITOR_MUTATIONS = [
  'variables.set',
  'variables.delete',
  'flows.create',
  'runs.start',
  'runs.cancel',
  'schedules.create',
  'shares.create',
];

/** True when a call's outcome is a refusal by role or sign-in (anything else got past the check). */
const refusedByRole = (outcome: string) => outcome === 'FORBIDDEN' || outcome === 'UNAUTHORIZED';

const consoleError = console.error;
let quiet = 0;

async function refusal(caller: Caller, path: string): Promise<string> {
  // A call that gets past the role check touches the runtime, which throws;
  // the API logs that as an internal error. Not news here: keep it quiet.
  if (quiet++ === 0) console.error = () => {};
  try {
    await callAs(caller, path);
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  } finally {
    if (--quiet === 0) console.error = consoleError;
  }
  return 'ALLOWED';
}

describe('authorisation across the whole tRPC router', () => {
  test('the walk finds the procedures (and so will find new ones)', () => {
    const paths = procedures.map((p) => p.path);
    for (const known of ['flows.create', 'flows.list', 'runs.start', 'members.setRole']) {
      assert.ok(paths.includes(known), `${known} is missing from ${paths.join(', ')}`);
    }
    assert.ok(procedures.some((p) => p.type === 'mutation'));
  });

  test('an anonymous caller is refused every procedure, queries and mutations alike', async () => {
    const refused = await Promise.all(
      procedures
        .filter((p) => !(p.path in PUBLIC_PROCEDURES))
        .map(async (p) => [p.path, await refusal(anonymous, p.path)] as const),
    );
    const wrong = refused.filter(([, code]) => code !== 'UNAUTHORIZED');
    assert.deepEqual(wrong, [], 'each of these should answer UNAUTHORIZED');
  });

  test('a viewer is refused every mutation', async () => {
    const refused = await Promise.all(
      procedures
        .filter((p) => p.type === 'mutation')
        .map(async (p) => [p.path, await refusal(person('viewer'), p.path)] as const),
    );
    const wrong = refused.filter(([, code]) => code !== 'FORBIDDEN');
    assert.deepEqual(wrong, [], 'each of these should answer FORBIDDEN');
  });

  test('an editor is refused members and secrets (reads included); an owner gets past the role check', async () => {
    const ownerOnly = procedures.filter(
      (p) => p.path.startsWith('members.') || OWNER_SECRETS_PROCEDURES.includes(p.path),
    );
    const paths = ownerOnly.map((p) => p.path);
    assert.ok(paths.filter((p) => p.startsWith('members.')).length >= 4, paths.join(', '));
    for (const path of OWNER_SECRETS_PROCEDURES) assert.ok(paths.includes(path), path);
    for (const p of ownerOnly) {
      assert.equal(await refusal(person('editor'), p.path), 'FORBIDDEN', p.path);
      assert.equal(await refusal(person('viewer'), p.path), 'FORBIDDEN', p.path);
      // Past the role check, the missing input (or the untouchable runtime) is what fails.
      const ownerOutcome = await refusal(person('owner'), p.path).catch((e: Error) => e.message);
      assert.ok(!refusedByRole(ownerOutcome), `${p.path} refused an owner: ${ownerOutcome}`);
    }
  });

  test('an editor passes the role check to edit variables, run, cancel, schedule and share', async () => {
    for (const path of EDITOR_MUTATIONS) {
      assert.equal(procedures.find((p) => p.path === path)?.type, 'mutation', path);
      const outcome = await refusal(person('editor'), path).catch((e: Error) => e.message);
      assert.ok(!refusedByRole(outcome), `${path} refused an editor: ${outcome}`);
      // …which is exactly what a viewer does not.
      assert.equal(await refusal(person('viewer'), path), 'FORBIDDEN', path);
    }
  });

  test('secrets.names (for the editor’s suggestions) is open to every member, values never are', async () => {
    for (const role of ['viewer', 'editor'] as const) {
      const outcome = await refusal(person(role), 'secrets.names').catch((e: Error) => e.message);
      assert.ok(!refusedByRole(outcome), `secrets.names refused a ${role}: ${outcome}`);
    }
  });

  test('a viewer may read: flows, runs and the task catalog pass the role check', async () => {
    for (const path of ['flows.list', 'runs.list', 'catalog.list', 'flows.get']) {
      const outcome = await refusal(person('viewer'), path).catch((e: Error) => e.message);
      assert.ok(!refusedByRole(outcome), `${path} refused a viewer: ${outcome}`);
    }
  });

  test('a cookie-authenticated cross-site request may read but not change anything', async () => {
    const owner = person('owner');
    const crossSite = createCaller({ runtime: untouchableRuntime, caller: owner, crossSite: true });
    await assert.rejects(crossSite.flows.create({ name: 'x' }), (err: TRPCError) => {
      assert.equal(err.code, 'FORBIDDEN');
      assert.match(err.message, /cross-site/i);
      return true;
    });
  });
});
