import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createCaller } from '@/server/api/root';
import { systemContext } from '@/server/api/trpc';
import { type Booted, bootRuntime } from '@/server/boot';
import { schedulerTick } from '@/server/execution/scheduler';
import { getFlowRun } from '@/server/runs/queries';
import { engineDeps } from '@/server/worker';
import { testClock } from '../helpers/clock';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { quickFlow, runsOfSchedule, waitFor } from '../helpers/schedules';

/**
 * Two independently booted runtimes — each with its own pool, pg-boss and
 * worker whose scheduler ticks every 20 ms — share one database and one
 * controllable clock. Over several slots, with one of them shut down and a
 * new one booted half-way, every slot fires exactly once and runs its task
 * once.
 */

let tdb: TestDatabase;
const booted: Booted[] = [];
const clock = testClock('2026-06-01T10:00:30Z');

const boot = () =>
  bootRuntime({
    worker: true,
    databaseUrl: tdb.url,
    clock,
    workerOptions: { schedulerIntervalMs: 20 },
    log: () => {},
  });

before(async () => {
  tdb = await createTestDatabase();
  for (let i = 0; i < 2; i++) booted.push(await boot());
});
after(async () => {
  for (const b of booted) await b.shutdown();
  await tdb.drop();
});

test('a cron schedule with two workers fires exactly one run per slot over six slots, across a restart', async () => {
  const api = createCaller(systemContext(booted[0]!.runtime));
  const { flow } = await api.flows.import({ document: quickFlow() });
  const schedule = await api.schedules.create({
    flowId: flow.id,
    cron: '* * * * *',
    timezone: 'UTC',
  });
  const slots = Array.from(
    { length: 6 },
    (_, i) => new Date(Date.parse('2026-06-01T10:01:00Z') + i * 60_000),
  );
  for (const [i, slot] of slots.entries()) {
    if (i === 3) {
      // A restart half-way: one worker shuts down, a new one boots.
      await booted[1]!.shutdown();
      booted[1] = await boot();
    }
    clock.set(new Date(slot.getTime() + 10_000));
    // Both workers' loops race; hammer the tick from both runtimes at once too.
    await Promise.all(
      booted.flatMap((b) =>
        Array.from({ length: 3 }, () => schedulerTick({ ...engineDeps(b.runtime), now: clock })),
      ),
    );
    await waitFor(`the ${slot.toISOString()} run to complete`, async () => {
      const runs = await runsOfSchedule(tdb.db, schedule.id);
      const run = runs.find((r) => r.scheduledFor?.getTime() === slot.getTime());
      return run?.state === 'completed';
    });
  }
  // Let the loops tick a while longer at the last slot: nothing more may fire.
  await new Promise((r) => setTimeout(r, 300));

  const runs = await runsOfSchedule(tdb.db, schedule.id);
  const fired = runs.filter((r) => r.firedAt !== null);
  assert.deepEqual(
    fired.map((r) => r.scheduledFor!.toISOString()),
    slots.map((s) => s.toISOString()),
    'one fired run per slot, none twice',
  );
  for (const run of fired) {
    assert.equal(run.state, 'completed');
    assert.equal(run.trigger, 'schedule');
    // Its one task ran once: one attempt, on one worker.
    const detail = await getFlowRun(tdb.db, run.id);
    assert.equal(detail.tasks.length, 1);
    assert.equal(detail.tasks[0]!.attempts.length, 1, `run ${run.id} attempts`);
    assert.equal(detail.tasks[0]!.attempts[0]!.state, 'completed');
  }
  // No slot was skipped or cancelled around the restart.
  assert.deepEqual(
    runs.filter((r) => r.state === 'cancelled' || r.state === 'failed'),
    [],
  );
  // Every run of the schedule has its own slot (the exactly-once key).
  const keys = runs.map((r) => r.scheduledFor!.toISOString());
  assert.equal(new Set(keys).size, keys.length);
  // The ones ahead are Scheduled, visible before they fire.
  const ahead = runs.filter((r) => r.state === 'scheduled');
  assert.ok(ahead.length >= 1 && ahead.length <= 5, `runs ahead: ${ahead.length}`);
  assert.ok(ahead.every((r) => r.scheduledFor! > clock()));
});
