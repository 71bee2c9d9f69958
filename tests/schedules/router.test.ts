import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRPCError } from '@trpc/server';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { testClock } from '../helpers/clock';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { quickFlow } from '../helpers/schedules';

/** The `schedules` tRPC router: validation names the field; list and upcoming describe and preview. */

let tdb: TestDatabase;
let booted: Booted;
let api: ReturnType<typeof createCaller>;
let flowId: string;
const clock = testClock('2026-03-27T12:00:00Z');

before(async () => {
  tdb = await createTestDatabase();
  booted = await bootRuntime({
    worker: false,
    databaseUrl: tdb.url,
    clock,
    log: () => {},
  });
  api = createCaller(systemContext(booted.runtime));
  const { flow } = await api.flows.import({
    document: quickFlow({ count: { type: 'number', required: true } }),
  });
  flowId = flow.id;
});
after(async () => {
  await booted.shutdown();
  await tdb.drop();
});

async function badRequest(promise: Promise<unknown>): Promise<TRPCError> {
  const err = await promise.then(
    () => assert.fail('expected BAD_REQUEST'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TRPCError, String(err));
  assert.equal(err.code, 'BAD_REQUEST');
  return err;
}

const issuePaths = (err: TRPCError) =>
  ((err.cause as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path);

describe('create validates, naming the field', () => {
  test('a bad cron', async () => {
    const err = await badRequest(
      api.schedules.create({ flowId, cron: '61 * * * *', params: { count: 1 } }),
    );
    assert.match(err.message, /^cron: "61 \* \* \* \*" is not a valid cron expression/);
    assert.deepEqual(issuePaths(err), ['cron']);
    const fields = await badRequest(api.schedules.create({ flowId, cron: '0 12 * *' }));
    assert.match(fields.message, /cron: "0 12 \* \*" has 4 fields; expected 5/);
  });

  test('a bad timezone', async () => {
    const err = await badRequest(
      api.schedules.create({
        flowId,
        cron: '0 12 * * *',
        timezone: 'Europe/Atlantis',
        params: { count: 1 },
      }),
    );
    assert.deepEqual(issuePaths(err), ['timezone']);
    assert.match(err.message, /timezone: "Europe\/Atlantis" is not an IANA timezone/);
  });

  test('bad parameters, against the flow version', async () => {
    const missing = await badRequest(api.schedules.create({ flowId, cron: '0 12 * * *' }));
    assert.deepEqual(issuePaths(missing), ['params.count']);
    assert.match(missing.message, /params\.count: is required/);
    const wrong = await badRequest(
      api.schedules.create({ flowId, cron: '0 12 * * *', params: { count: 'many', extra: 1 } }),
    );
    assert.deepEqual(issuePaths(wrong), ['params.count', 'params.extra']);
    assert.match(wrong.message, /params\.count: must be a number/);
  });

  test('a pinned version that does not exist, and skip without its window', async () => {
    const version = await badRequest(
      api.schedules.create({ flowId, cron: '0 12 * * *', params: { count: 1 }, version: 9 }),
    );
    assert.deepEqual(issuePaths(version), ['version']);
    const skip = await badRequest(
      api.schedules.create({ flowId, cron: '0 12 * * *', params: { count: 1 }, catchup: 'skip' }),
    );
    assert.deepEqual(issuePaths(skip), ['catchupWindowMinutes']);
  });

  test('update validates the merged schedule too', async () => {
    const s = await api.schedules.create({ flowId, cron: '0 12 * * *', params: { count: 1 } });
    const err = await badRequest(api.schedules.update({ id: s.id, params: { count: 'x' } }));
    assert.deepEqual(issuePaths(err), ['params.count']);
    await api.schedules.delete({ id: s.id });
  });
});

describe('list and upcoming', () => {
  test('a schedule in the list has its description and next 5 fire times', async () => {
    const s = await api.schedules.create({
      flowId,
      cron: '0 12 * * *',
      timezone: 'Europe/Madrid',
      params: { count: 3 },
    });
    assert.equal(s.name, 'Every day at 12:00 (Europe/Madrid)');
    const [listed] = await api.schedules.list({ flowId });
    assert.equal(listed!.description, 'Every day at 12:00 (Europe/Madrid)');
    assert.deepEqual(
      listed!.upcoming.map((d) => d.toISOString()),
      [
        '2026-03-28T11:00:00.000Z',
        '2026-03-29T10:00:00.000Z', // summer time from here
        '2026-03-30T10:00:00.000Z',
        '2026-03-31T10:00:00.000Z',
        '2026-04-01T10:00:00.000Z',
      ],
    );
    const saved = await api.schedules.upcoming({ id: s.id });
    assert.deepEqual(saved.times, listed!.upcoming);
    await api.schedules.delete({ id: s.id });
  });

  test('an unsaved cron or interval is previewed; a bad one names the field', async () => {
    const preview = await api.schedules.upcoming({ cron: '*/10 * * * * *', timezone: 'UTC' });
    assert.equal(preview.description, 'Every 10 seconds (UTC)');
    assert.equal(preview.times.length, 5);
    assert.equal(preview.times[0]!.toISOString(), '2026-03-27T12:00:10.000Z');
    const interval = await api.schedules.upcoming({ kind: 'interval', intervalSeconds: 5400 });
    assert.equal(interval.description, 'Every 1 hour 30 minutes');
    assert.equal(interval.times[0]!.toISOString(), '2026-03-27T13:30:00.000Z');
    const err = await badRequest(api.schedules.upcoming({ cron: 'every day' }));
    assert.deepEqual(issuePaths(err), ['cron']);
    const tz = await badRequest(api.schedules.upcoming({ cron: '0 1 * * *', timezone: '+02:00' }));
    assert.deepEqual(issuePaths(tz), ['timezone']);
  });
});
