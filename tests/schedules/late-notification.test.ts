import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { flowNotifications } from '@/db/schema';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { env } from '@/server/env';
import { testClock } from '../helpers/clock';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';
import { runsOfSchedule, waitFor } from '../helpers/schedules';

/**
 * "On late" notifications through the real path: the worker's own
 * scheduler loop (every 20 ms, on a controllable clock) claims the run that
 * became Late and queues its message in the same transaction; the
 * notification worker posts it to a local receiver — once.
 */

let tdb: TestDatabase;
let booted: Booted;
let api: ReturnType<typeof createCaller>;
let lateReceiver: TestServer;
let failureReceiver: TestServer;
const clock = testClock('2026-06-01T10:00:30Z');

before(async () => {
  tdb = await createTestDatabase();
  booted = await bootRuntime({
    worker: true,
    databaseUrl: tdb.url,
    clock,
    workerOptions: { schedulerIntervalMs: 20 },
    log: () => {},
  });
  api = createCaller(systemContext(booted.runtime));
  lateReceiver = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
  failureReceiver = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
});
after(async () => {
  await booted.shutdown();
  await lateReceiver.close();
  await failureReceiver.close();
  await tdb.drop();
});

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a scheduled run not started within its threshold sends one Slack-style "late" message with its link', async () => {
  // Its only task is in a pool no worker serves: once fired, the run stays Pending.
  const { flow } = await api.flows.import({
    document: {
      version: 1,
      name: 'Nightly export',
      settings: { pool: 'offline-pool' },
      nodes: [{ id: 'export', type: 'code', config: { source: 'return 1;' } }],
      edges: [],
    },
  });
  const late = await api.notifications.create({
    flowId: flow.id,
    url: `${lateReceiver.url}/slack`,
    events: ['late'],
  });
  await api.notifications.create({
    flowId: flow.id,
    url: `${failureReceiver.url}/slack`,
    events: ['failure'],
  });
  const schedule = await api.schedules.create({
    flowId: flow.id,
    cron: '0 11 * * *',
    timezone: 'UTC',
    lateAfterSeconds: 120,
  });
  const [run] = await runsOfSchedule(tdb.db, schedule.id);
  assert.equal(run!.scheduledFor!.toISOString(), '2026-06-01T11:00:00.000Z');

  // Due: the loop fires it; it waits for a worker but is not late yet.
  clock.set('2026-06-01T11:00:05Z');
  await waitFor('the run to fire', async () => {
    const [r] = await runsOfSchedule(tdb.db, schedule.id);
    return r?.state === 'pending';
  });
  clock.set('2026-06-01T11:01:59Z');
  await settle(500);
  assert.equal(lateReceiver.requests.length, 0, 'nothing before the threshold');
  const [notYet] = await runsOfSchedule(tdb.db, schedule.id);
  assert.equal(notYet!.lateSince, null);

  // Past the threshold: claimed Late once, and the message is on its way.
  clock.set('2026-06-01T11:02:00Z');
  await waitFor('the late message', async () => lateReceiver.requests.length > 0);
  // The loop keeps ticking (and the clock moves on): no second message.
  for (let i = 0; i < 5; i++) {
    clock.advance(60_000);
    await settle(200);
  }
  assert.equal(lateReceiver.requests.length, 1, 'exactly one late message');
  assert.equal(failureReceiver.requests.length, 0, 'a failure subscriber hears nothing');

  const request = lateReceiver.requests[0]!;
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/slack');
  const message = JSON.parse(request.body) as {
    text: string;
    blocks: { type: string; elements?: { url?: string }[] }[];
  };
  const link = `${env().publicUrl}/runs/${run!.id}`;
  assert.equal(
    message.text,
    `⏰ Nightly export is late: scheduled for 2026-06-01T11:00:00.000Z, not started yet — ${link}`,
  );
  const button = message.blocks.find((b) => b.type === 'actions')?.elements?.[0];
  assert.equal(button?.url, link);

  const [claimed] = await runsOfSchedule(tdb.db, schedule.id);
  assert.equal(claimed!.lateSince?.toISOString(), '2026-06-01T11:02:00.000Z');
  await waitFor('the delivery recorded', async () => {
    const [row] = await tdb.db
      .select()
      .from(flowNotifications)
      .where(eq(flowNotifications.id, late.id));
    return row?.lastDeliveryStatus === 'delivered';
  });
  await api.runs.cancel({ id: run!.id });
});
