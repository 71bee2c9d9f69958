import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { type SchedulerDeps, schedulerTick } from '@/server/execution/scheduler';
import { getFlowRun } from '@/server/runs/queries';
import { engineDeps } from '@/server/worker';
import { testClock } from '../helpers/clock';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { quickFlow, runsInState, runsOfSchedule, waitFor } from '../helpers/schedules';

/**
 * The scheduler against a real database, driven tick by tick with a
 * controllable clock (the worker's own scheduler loop is off here; its
 * task workers run what fires).
 */

let tdb: TestDatabase;
let booted: Booted;
let api: ReturnType<typeof createCaller>;
let deps: SchedulerDeps;
const clock = testClock('2026-06-01T10:00:30Z');
const tick = () => schedulerTick(deps);

before(async () => {
  tdb = await createTestDatabase();
  booted = await bootRuntime({
    worker: true,
    databaseUrl: tdb.url,
    clock,
    workerOptions: { schedulerIntervalMs: 0 },
    log: () => {},
  });
  api = createCaller(systemContext(booted.runtime));
  deps = { ...engineDeps(booted.runtime), now: clock };
});
// Each test's schedules stop when it ends: a later test jumping the clock
// months ahead must not catch up on them.
afterEach(async () => {
  for (const s of await api.schedules.list()) if (s.active) await api.schedules.pause({ id: s.id });
});
after(async () => {
  await booted.shutdown();
  await tdb.drop();
});

async function newFlow(params: Record<string, unknown> = {}) {
  const { flow } = await api.flows.import({ document: quickFlow(params) });
  return flow;
}

const iso = (runs: { scheduledFor: Date | null }[]) =>
  runs.map((r) => r.scheduledFor!.toISOString().slice(11, 16));

async function waitUntilNoneActive(scheduleId: string) {
  await waitFor('the fired runs to finish', async () => {
    const runs = await runsOfSchedule(tdb.db, scheduleId);
    return runs.every((r) => r.state !== 'pending' && r.state !== 'running');
  });
}

describe('catch-up after a 3-hour downtime', () => {
  test('all, latest and skip:30 decide which missed runs start and which are skipped, with reasons', async () => {
    clock.set('2026-06-01T10:00:30Z');
    const flow = await newFlow();
    const make = (catchup: 'all' | 'latest' | 'skip', catchupWindowMinutes?: number) =>
      api.schedules.create({
        flowId: flow.id,
        name: `every 15 min, ${catchup}`,
        cron: '*/15 * * * *',
        timezone: 'UTC',
        catchup,
        catchupWindowMinutes,
      });
    const all = await make('all');
    const latest = await make('latest');
    const skip = await make('skip', 30);

    // Materialised ahead: the slots within the next hour.
    assert.deepEqual(iso(await runsInState(tdb.db, all.id, 'scheduled')), [
      '10:15',
      '10:30',
      '10:45',
      '11:00',
    ]);

    // No worker ticks for 3 hours; then one does.
    clock.set('2026-06-01T13:05:00Z');
    const result = await tick();
    // 12 missed slots per schedule (10:15 … 13:00): each seen Late once.
    assert.equal(result.late.length, 36);
    assert.equal((await tick()).late.length, 0, 'a late run is reported once');

    for (const s of [all, latest, skip]) await waitUntilNoneActive(s.id);

    const missed = [
      '10:15', '10:30', '10:45', '11:00', '11:15', '11:30',
      '11:45', '12:00', '12:15', '12:30', '12:45', '13:00',
    ]; // biome-ignore format: a table of slots

    // all: every missed slot ran.
    assert.deepEqual(iso(await runsInState(tdb.db, all.id, 'completed')), missed);

    // latest: only 13:00 ran; the others are visible as cancelled, with why.
    assert.deepEqual(iso(await runsInState(tdb.db, latest.id, 'completed')), ['13:00']);
    const latestSkipped = await runsInState(tdb.db, latest.id, 'cancelled');
    assert.deepEqual(iso(latestSkipped), missed.slice(0, -1));
    assert.equal(
      latestSkipped[0]!.stateReason,
      'skipped: 170 minutes late, the schedule runs only the latest missed run (due 2026-06-01T13:00:00.000Z)',
    );

    // skip 30: 12:45 (20 min late) and 13:00 ran; the older ones were skipped.
    assert.deepEqual(iso(await runsInState(tdb.db, skip.id, 'completed')), ['12:45', '13:00']);
    const skipSkipped = await runsInState(tdb.db, skip.id, 'cancelled');
    assert.deepEqual(iso(skipSkipped), missed.slice(0, -2));
    assert.equal(
      skipSkipped.at(-1)!.stateReason,
      'skipped: 35 minutes late, the schedule skips runs later than 30 minutes',
    );

    // Every run records its trigger; the slots ahead are materialised again.
    const ran = await getFlowRun(tdb.db, (await runsInState(tdb.db, all.id, 'completed'))[0]!.id);
    assert.equal(ran.trigger, 'schedule');
    assert.deepEqual(iso(await runsInState(tdb.db, all.id, 'scheduled')), [
      '13:15',
      '13:30',
      '13:45',
      '14:00',
    ]);
  });
});

describe('DST in Europe/Madrid, through the scheduler', () => {
  async function runDays(from: string, days: number, cron: string) {
    clock.set(from);
    const flow = await newFlow();
    const schedule = await api.schedules.create({
      flowId: flow.id,
      cron,
      timezone: 'Europe/Madrid',
      lateAfterSeconds: 3600,
    });
    // Tick every 20 minutes of schedule time through the days.
    const end = clock().getTime() + days * 86_400_000;
    while (clock().getTime() < end) {
      clock.advance(20 * 60_000);
      await tick();
    }
    await waitUntilNoneActive(schedule.id);
    return runsOfSchedule(tdb.db, schedule.id);
  }

  test('spring forward: a daily 02:30 fires once on 2026-03-29, at 03:00 CEST', async () => {
    const runs = await runDays('2026-03-27T12:00:00Z', 4, '30 2 * * *');
    const fired = runs.filter((r) => r.firedAt).map((r) => r.scheduledFor!.toISOString());
    assert.deepEqual(fired, [
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    assert.ok(runs.filter((r) => r.firedAt).every((r) => r.state === 'completed'));
  });

  test('fall back: a daily 02:30 fires exactly once on 2026-10-25', async () => {
    const runs = await runDays('2026-10-23T12:00:00Z', 4, '30 2 * * *');
    const fired = runs.filter((r) => r.firedAt).map((r) => r.scheduledFor!.toISOString());
    assert.deepEqual(fired, [
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });
});

describe('pause, resume, edit and cancel', () => {
  test('pausing cancels the runs ahead; resuming materialises them again', async () => {
    clock.set('2026-07-01T09:00:00Z');
    const flow = await newFlow();
    const s = await api.schedules.create({ flowId: flow.id, cron: '0 * * * *', timezone: 'UTC' });
    assert.deepEqual(iso(await runsInState(tdb.db, s.id, 'scheduled')), ['10:00']);

    const paused = await api.schedules.pause({ id: s.id });
    assert.equal(paused.active, false);
    const cancelled = await runsInState(tdb.db, s.id, 'cancelled');
    assert.deepEqual(iso(cancelled), ['10:00']);
    assert.equal(cancelled[0]!.stateReason, 'the schedule was paused');
    // While paused nothing fires.
    clock.set('2026-07-01T10:30:00Z');
    await tick();
    assert.equal((await runsOfSchedule(tdb.db, s.id)).filter((r) => r.firedAt).length, 0);

    clock.set('2026-07-01T10:45:00Z');
    const resumed = await api.schedules.resume({ id: s.id });
    assert.equal(resumed.active, true);
    assert.deepEqual(iso(await runsInState(tdb.db, s.id, 'scheduled')), ['11:00']);
    clock.set('2026-07-01T11:00:05Z');
    await tick();
    await waitUntilNoneActive(s.id);
    assert.deepEqual(iso(await runsInState(tdb.db, s.id, 'completed')), ['11:00']);
  });

  test('a Scheduled run cancelled by a user is not created again', async () => {
    clock.set('2026-08-01T09:00:30Z');
    const flow = await newFlow();
    const s = await api.schedules.create({
      flowId: flow.id,
      cron: '*/20 * * * *',
      timezone: 'UTC',
    });
    const [first] = await runsInState(tdb.db, s.id, 'scheduled');
    assert.equal(first!.scheduledFor!.toISOString(), '2026-08-01T09:20:00.000Z');
    await api.runs.cancel({ id: first!.id });
    const run = await api.runs.get({ id: first!.id });
    assert.equal(run.state, 'cancelled');
    assert.equal(run.stateReason, 'cancelled by a user');

    clock.set('2026-08-01T09:25:00Z');
    await tick();
    const slot920 = (await runsOfSchedule(tdb.db, s.id)).filter(
      (r) => r.scheduledFor!.toISOString() === '2026-08-01T09:20:00.000Z',
    );
    assert.deepEqual(
      slot920.map((r) => r.state),
      ['cancelled'],
    );
  });

  test('editing re-materialises with the new timing and parameters', async () => {
    clock.set('2026-09-01T09:00:30Z');
    const flow = await newFlow({ greeting: { type: 'string', default: 'hi' } });
    const s = await api.schedules.create({ flowId: flow.id, cron: '0 * * * *', timezone: 'UTC' });
    const updated = await api.schedules.update({
      id: s.id,
      cron: '30 * * * *',
      params: { greeting: 'hello' },
    });
    assert.equal(updated.description, 'At 30 minutes past the hour (UTC)');
    const ahead = await runsInState(tdb.db, s.id, 'scheduled');
    assert.deepEqual(iso(ahead), ['09:30']);
    assert.deepEqual(ahead[0]!.params, { greeting: 'hello' });

    clock.set('2026-09-01T09:30:01Z');
    await tick();
    await waitUntilNoneActive(s.id);
    const [done] = await runsInState(tdb.db, s.id, 'completed');
    const detail = await getFlowRun(tdb.db, done!.id);
    assert.deepEqual(detail.tasks[0]!.output, { greeting: 'hello' });
  });

  test('latest version at fire time unless a version is pinned', async () => {
    clock.set('2026-09-02T09:00:30Z');
    const flow = await newFlow();
    const latest = await api.schedules.create({
      flowId: flow.id,
      cron: '0 10 * * *',
      timezone: 'UTC',
    });
    const pinned = await api.schedules.create({
      flowId: flow.id,
      cron: '0 10 * * *',
      timezone: 'UTC',
      version: 1,
    });
    const got = await api.flows.get({ id: flow.id });
    await api.flows.update({
      id: flow.id,
      baseVersion: 1,
      document: { ...got.version.document, description: 'second version' },
    });
    clock.set('2026-09-02T10:00:01Z');
    await tick();
    await waitUntilNoneActive(latest.id);
    await waitUntilNoneActive(pinned.id);
    const [a] = await runsInState(tdb.db, latest.id, 'completed');
    const [b] = await runsInState(tdb.db, pinned.id, 'completed');
    assert.equal((await getFlowRun(tdb.db, a!.id)).version, 2);
    assert.equal((await getFlowRun(tdb.db, b!.id)).version, 1);
  });

  test('deleting a schedule cancels its runs ahead', async () => {
    clock.set('2026-09-03T09:00:30Z');
    const flow = await newFlow();
    const s = await api.schedules.create({
      flowId: flow.id,
      cron: '*/30 * * * *',
      timezone: 'UTC',
    });
    const ahead = await runsInState(tdb.db, s.id, 'scheduled');
    assert.equal(ahead.length, 2);
    await api.schedules.delete({ id: s.id });
    assert.deepEqual(await api.schedules.list({ flowId: flow.id }), []);
    for (const r of ahead) {
      const run = await api.runs.get({ id: r.id });
      assert.equal(run.state, 'cancelled');
      assert.equal(run.stateReason, 'the schedule was deleted');
    }
  });
});

describe('a fixed interval, through the scheduler', () => {
  test('every 45 minutes from midnight in Asia/Kolkata fires at each slot, once, not a second early', async () => {
    clock.set('2026-10-01T09:00:00Z');
    const flow = await newFlow();
    const s = await api.schedules.create({
      flowId: flow.id,
      intervalSeconds: 45 * 60,
      timezone: 'Asia/Kolkata',
    });
    assert.equal(s.kind, 'interval');
    assert.equal(s.description, 'Every 45 minutes');
    // Counted from midnight in Kolkata (18:30 UTC the day before): 09:30, 10:15, 11:00 UTC…
    const slots = ['09:30', '10:15', '11:00', '11:45'];
    assert.deepEqual(
      s.upcoming.slice(0, 4).map((t) => t.toISOString().slice(11, 16)),
      slots,
    );
    for (const slot of slots) {
      const at = new Date(`2026-10-01T${slot}:00Z`);
      clock.set(new Date(at.getTime() - 1000));
      const early = await tick();
      assert.equal(early.started, 0, `nothing fires a second before ${slot}`);
      clock.set(at);
      // Several ticks at the same instant: the slot fires once.
      const results = await Promise.all([tick(), tick(), tick()]);
      assert.equal(
        results.reduce((n, r) => n + r.started, 0),
        1,
        `one fire at ${slot}`,
      );
    }
    await waitUntilNoneActive(s.id);
    const runs = await runsOfSchedule(tdb.db, s.id);
    const fired = runs.filter((r) => r.firedAt);
    assert.deepEqual(iso(fired), slots);
    for (const run of fired) {
      assert.equal(run.firedAt!.getTime(), run.scheduledFor!.getTime(), 'fired at its slot');
      assert.equal(run.state, 'completed');
      assert.equal(run.trigger, 'schedule');
    }
    // Every slot has one run (the exactly-once key), and the next ones wait ahead.
    const keys = runs.map((r) => r.scheduledFor!.toISOString());
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual(iso(runs.filter((r) => r.state === 'scheduled')).slice(0, 1), ['12:30']);
  });
});

describe('Late is shown only past the schedule threshold', () => {
  test('runs.get, runs.list and runs.why: not late before late_at, late after', async () => {
    // runs.get and runs.list judge lateness by the wall clock: schedule in real time.
    clock.set(new Date());
    const flow = await newFlow();
    const s = await api.schedules.create({
      flowId: flow.id,
      cron: '* * * * * *',
      timezone: 'UTC',
      lateAfterSeconds: 2,
    });
    // No tick runs here: the runs stay Scheduled, as with no worker up.
    const ahead = await runsInState(tdb.db, s.id, 'scheduled');
    assert.equal(ahead.length, 5);
    const first = ahead[0]!;
    assert.equal(first.lateAt!.getTime() - first.scheduledFor!.getTime(), 2000);

    const before = await api.runs.get({ id: first.id });
    assert.equal(Date.now() < first.lateAt!.getTime(), true, 'checked before its late_at');
    assert.equal(before.late, false);
    assert.equal(before.state, 'scheduled');
    const listedBefore = await api.runs.list({ flowId: flow.id });
    assert.ok(listedBefore.runs.every((r) => !r.late));

    // Past its time but within the threshold: due, not Late.
    await waitFor(
      'the first slot to pass',
      async () => Date.now() > first.scheduledFor!.getTime() + 200,
    );
    if (Date.now() < first.lateAt!.getTime() - 300) {
      const due = await api.runs.get({ id: first.id });
      assert.equal(due.late, false);
      const why = await api.runs.why({ id: first.id });
      assert.equal(why.reason?.kind, 'due');
    }

    await waitFor('its late_at to pass', async () => Date.now() > first.lateAt!.getTime() + 50);
    const after = await api.runs.get({ id: first.id });
    assert.equal(after.late, true);
    const listed = await api.runs.list({ flowId: flow.id });
    const lateIds = new Set(listed.runs.filter((r) => r.late).map((r) => r.id));
    assert.ok(lateIds.has(first.id));
    // Runs whose threshold has not passed are not late.
    for (const r of ahead) {
      const wasLate = (await api.runs.get({ id: r.id })).late;
      if (r.lateAt!.getTime() > Date.now() + 100) assert.equal(wasLate, false, r.id);
    }
    const why = await api.runs.why({ id: first.id });
    assert.equal(why.reason?.kind, 'late');
    assert.match(why.reason?.message ?? '', /^Late: /);
  });
});
