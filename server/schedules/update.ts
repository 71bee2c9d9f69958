import { eq } from 'drizzle-orm';
import { type Database, inTransaction } from '@/db/client';
import { schedules } from '@/db/schema';
import { checkScheduleConfig, inferKind, type ScheduleConfig } from './config';
import { lockSchedule } from './flow';
import { materializeSchedule, timingOf } from './materialize';
import { cancelUnfiredRuns, dropFutureRuns } from './runs';
import type { UpdateScheduleInput } from './schemas';
import { describeTiming, intervalAnchor } from './times';
import { scheduleView } from './view';

/**
 * Changes a schedule (fields left out keep their value) and re-materialises
 * its runs ahead with the new settings, in one transaction. `active: false`
 * pauses it like `pause`.
 */
export async function updateSchedule(db: Database, input: UpdateScheduleInput, now: Date) {
  return inTransaction(db, async ({ tx }) => {
    const row = await lockSchedule(tx, input.id);
    const kind = inferKind({
      kind: input.kind ?? (input.cron || input.intervalSeconds != null ? undefined : row.kind),
      cron: input.cron,
      intervalSeconds: input.intervalSeconds,
    });
    // A name that was only the description follows the new timing.
    const namedByDescription = row.name === describeTiming(timingOf(row));
    const merged: ScheduleConfig = {
      name: input.name ?? (namedByDescription ? '' : row.name),
      kind,
      cron: kind === 'cron' ? (input.cron?.trim() ?? row.cron) : null,
      intervalSeconds: kind === 'interval' ? (input.intervalSeconds ?? row.intervalSeconds) : null,
      timezone: input.timezone ?? row.timezone,
      params: input.params ?? row.params,
      pinnedVersion: input.version === undefined ? row.pinnedVersion : input.version,
      active: input.active ?? row.active,
      catchup: input.catchup ?? row.catchup,
      catchupWindowMinutes:
        input.catchupWindowMinutes === undefined
          ? row.catchupWindowMinutes
          : input.catchupWindowMinutes,
      lateAfterSeconds: input.lateAfterSeconds ?? row.lateAfterSeconds,
    };
    const config = await checkScheduleConfig(tx, row.flowId, merged);
    const retimed =
      config.kind !== row.kind ||
      config.intervalSeconds !== row.intervalSeconds ||
      config.timezone !== row.timezone;
    const [updated] = await tx
      .update(schedules)
      .set({
        ...config,
        anchorAt: retimed ? intervalAnchor(config.timezone, now) : row.anchorAt,
        updatedAt: now,
        // Materialise again from now: the runs ahead are replaced below.
        materializedThrough: config.active ? now : row.materializedThrough,
        refillAt: null,
        notice: config.active && !row.active ? null : row.notice,
      })
      .where(eq(schedules.id, row.id))
      .returning();
    if (config.active) {
      await dropFutureRuns(tx, row.id, now);
      await materializeSchedule(tx, updated!, now);
    } else if (row.active) {
      await cancelUnfiredRuns(tx, row.id, 'the schedule was paused');
    }
    return scheduleView(updated!, now);
  });
}
