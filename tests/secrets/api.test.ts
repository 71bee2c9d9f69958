/**
 * The secrets and variables API: a secret's value goes in and never comes
 * back out; variables hold any JSON value; bad input names the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { secrets } from '@/db/schema';
import { decryptSecret } from '@/server/secrets/crypto';
import { secretKey } from '@/server/secrets/key';
import { startTestEngine, type TestEngine } from '../helpers/engine';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(() => engine.close());

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TRPCError, String(err));
    return err;
  }
  assert.fail('expected the call to be refused');
}

describe('secrets', () => {
  test('set stores only ciphertext; list and names never return the value', async () => {
    const value = 'sk_live_0123456789abcdef';
    const created = await engine.api.secrets.set({ name: 'STRIPE_KEY', value });
    assert.equal(created.name, 'STRIPE_KEY');
    assert.equal(created.created, true);
    assert.ok(!JSON.stringify(created).includes(value));

    const [row] = await engine.tdb.db.select().from(secrets).where(eq(secrets.name, 'STRIPE_KEY'));
    assert.ok(row);
    assert.ok(!row.ciphertext.toString('latin1').includes(value), 'not stored in clear');
    assert.equal(row.keyId, secretKey().id);
    assert.equal(decryptSecret(secretKey(), 'STRIPE_KEY', row), value);

    const replaced = await engine.api.secrets.set({ name: 'STRIPE_KEY', value: 'sk_live_new' });
    assert.equal(replaced.created, false);
    assert.ok(replaced.updatedAt >= created.updatedAt);

    const list = await engine.api.secrets.list();
    assert.deepEqual(
      list.map((s) => s.name),
      ['STRIPE_KEY'],
    );
    assert.deepEqual(Object.keys(list[0]!).sort(), ['createdAt', 'name', 'updatedAt', 'updatedBy']);
    assert.deepEqual(await engine.api.secrets.names(), ['STRIPE_KEY']);
    const everything = JSON.stringify([list, await engine.api.secrets.names()]);
    assert.ok(!everything.includes('sk_live'), 'no value in any answer');
  });

  test('delete removes it; deleting again is NOT_FOUND', async () => {
    await engine.api.secrets.set({ name: 'TEMP', value: 'x' });
    assert.deepEqual(await engine.api.secrets.delete({ name: 'TEMP' }), { name: 'TEMP' });
    assert.ok(!(await engine.api.secrets.names()).includes('TEMP'));
    const err = await rejection(engine.api.secrets.delete({ name: 'TEMP' }));
    assert.equal(err.code, 'NOT_FOUND');
    assert.match(err.message, /Secret TEMP was not found/);
  });

  test('a bad name or an empty value is refused naming the field', async () => {
    for (const [input, field] of [
      [{ name: '1abc', value: 'x' }, 'name'],
      [{ name: 'has space', value: 'x' }, 'name'],
      [{ name: 'has.dot', value: 'x' }, 'name'],
      [{ name: 'OK_NAME', value: '' }, 'value'],
    ] as const) {
      const err = await rejection(engine.api.secrets.set(input));
      assert.equal(err.code, 'BAD_REQUEST');
      assert.match(err.message, field === 'name' ? /Name/ : /Value is required/);
    }
  });
});

describe('variables', () => {
  test('hold any JSON value, with a description; get, list and replace', async () => {
    for (const [name, value] of [
      ['region', 'eu-west'],
      ['limits', { rows: 100, tags: ['a', 'b'] }],
      ['ids', [1, 2, 3]],
      ['enabled', false],
      ['nothing', null],
      ['ratio', 0.5],
    ] as const) {
      const saved = await engine.api.variables.set({ name, value, description: `the ${name}` });
      assert.deepEqual(saved.value, value);
      assert.deepEqual((await engine.api.variables.get({ name })).value, value);
    }
    const replaced = await engine.api.variables.set({ name: 'region', value: 'us-east' });
    assert.equal(replaced.created, false);
    assert.equal(replaced.description, 'the region', 'kept when not given');
    const list = await engine.api.variables.list();
    assert.deepEqual(
      list.map((v) => v.name),
      ['enabled', 'ids', 'limits', 'nothing', 'ratio', 'region'],
    );
    assert.equal(list.find((v) => v.name === 'region')?.value, 'us-east');
  });

  test('a missing variable is NOT_FOUND; a bad name or value is refused', async () => {
    assert.equal((await rejection(engine.api.variables.get({ name: 'absent' }))).code, 'NOT_FOUND');
    assert.equal(
      (await rejection(engine.api.variables.delete({ name: 'absent' }))).code,
      'NOT_FOUND',
    );
    const badName = await rejection(engine.api.variables.set({ name: 'a b', value: 1 }));
    assert.equal(badName.code, 'BAD_REQUEST');
    const noValue = await rejection(engine.api.variables.set({ name: 'ok', value: undefined }));
    assert.match(noValue.message, /Value is required/);
    await engine.api.variables.set({ name: 'gone', value: 1 });
    await engine.api.variables.delete({ name: 'gone' });
    assert.equal((await rejection(engine.api.variables.get({ name: 'gone' }))).code, 'NOT_FOUND');
  });
});
