import { desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowRuns, flowVersions, schedules } from '@/db/schema';
import { recordTransitions } from '@/server/execution/transitions';
import { fireTimesAfter, fireTimesBetween, type ScheduleTiming } from './times';

export type ScheduleRow = typeof schedules.$inferSelect;

/**
 * How far ahead runs are materialised: the next slots within the next hour,
 * at most 5, and always at least the next one (so a daily schedule shows
 * tomorrow's run). The UI's "next 5" is computed, not materialised.
 */
export const MATERIALIZE_AHEAD = 5;
export const MATERIALIZE_WINDOW_MS = 60 * 60 * 1000;
/** Slots missed during a downtime that are recorded as runs; older ones are counted in the schedule's notice. */
export const MAX_MISSED_RECORDED = 100;

export function timingOf(schedule: ScheduleRow): ScheduleTiming {
  return {
    kind: schedule.kind,
    cron: schedule.cron,
    intervalSeconds: schedule.intervalSeconds,
    timezone: schedule.timezone,
    anchorAt: schedule.anchorAt,
  };
}

/** The version a scheduled run is created with (re-resolved at fire time when not pinned). */
async function versionIdFor(tx: DbOrTx, schedule: ScheduleRow): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: flowVersions.id })
    .from(flowVersions)
    .where(
      schedule.pinnedVersion === null
        ? eq(flowVersions.flowId, schedule.flowId)
        : sql`${flowVersions.flowId} = ${schedule.flowId} and ${flowVersions.version} = ${schedule.pinnedVersion}`,
    )
    .orderBy(desc(flowVersions.version))
    .limit(1);
  return row?.id;
}

/**
 * Creates the schedule's slots as Scheduled runs: slots missed since the
 * cursor (a downtime: the tick's catch-up decides their fate) and the next
 * ones ahead. The cursor only moves forward, so a slot is created once and
 * a run a user cancelled does not come back. The unique index on
 * (schedule_id, scheduled_for) guards against anything else. The caller
 * holds the schedule's row lock, in a transaction.
 */
export async function materializeSchedule(
  tx: DbOrTx,
  schedule: ScheduleRow,
  now: Date,
): Promise<{ created: number; missed: number }> {
  if (!schedule.active) {
    await tx.update(schedules).set({ refillAt: null }).where(eq(schedules.id, schedule.id));
    return { created: 0, missed: 0 };
  }
  const timing = timingOf(schedule);
  const cursor = schedule.materializedThrough ?? now;
  const missed =
    cursor < now
      ? fireTimesBetween(timing, cursor, now, MAX_MISSED_RECORDED)
      : { times: [], total: 0 };
  const ahead = fireTimesAfter(timing, now, MATERIALIZE_AHEAD).filter(
    (time, i) => i === 0 || time.getTime() <= now.getTime() + MATERIALIZE_WINDOW_MS,
  );
  const slots = [...missed.times, ...ahead.filter((time) => time > cursor)];

  let created = 0;
  if (slots.length > 0) {
    const flowVersionId = await versionIdFor(tx, schedule);
    if (!flowVersionId) throw new Error(`schedule ${schedule.id}: its flow has no such version`);
    const inserted = await tx
      .insert(flowRuns)
      .values(
        slots.map((slot) => ({
          flowId: schedule.flowId,
          flowVersionId,
          state: 'scheduled' as const,
          params: schedule.params,
          trigger: 'schedule' as const,
          triggeredBy: schedule.name,
          scheduleId: schedule.id,
          scheduledFor: slot,
          lateAt: new Date(slot.getTime() + schedule.lateAfterSeconds * 1000),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: flowRuns.id, scheduledFor: flowRuns.scheduledFor });
    created = inserted.length;
    await recordTransitions(
      tx,
      inserted.map((run) => ({
        flowRunId: run.id,
        fromState: null,
        toState: 'scheduled',
        reason: `scheduled by "${schedule.name}" for ${run.scheduledFor!.toISOString()}`,
      })),
    );
  }

  const lastAhead = ahead.at(-1);
  const through = lastAhead && lastAhead > cursor ? lastAhead : cursor < now ? now : cursor;
  const dropped = missed.total - missed.times.length;
  await tx
    .update(schedules)
    .set({
      materializedThrough: through,
      // Top up again when the first of the runs ahead fires.
      refillAt: ahead[0] ?? null,
      ...(dropped > 0
        ? {
            notice: `${dropped} earlier slot${dropped === 1 ? ' was' : 's were'} missed before ${missed.times[0]!.toISOString()} while no worker was running; only the latest ${missed.times.length} were recorded as runs`,
          }
        : {}),
    })
    .where(eq(schedules.id, schedule.id));
  return { created, missed: missed.times.length };
}
