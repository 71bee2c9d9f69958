import type { ScheduleRow } from './materialize';
import { timingOf } from './materialize';
import { describeTiming, fireTimesAfter } from './times';

export const UPCOMING_COUNT = 5;

/** A schedule as the API shows it: its settings, a sentence, and when it fires next. */
export function scheduleView(row: ScheduleRow, now: Date) {
  const timing = timingOf(row);
  return {
    id: row.id,
    flowId: row.flowId,
    name: row.name,
    kind: row.kind,
    cron: row.cron,
    intervalSeconds: row.intervalSeconds,
    timezone: row.timezone,
    params: row.params,
    /** Pinned version; null runs the latest at each fire. */
    version: row.pinnedVersion,
    active: row.active,
    catchup: row.catchup,
    catchupWindowMinutes: row.catchupWindowMinutes,
    lateAfterSeconds: row.lateAfterSeconds,
    notice: row.notice,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    description: describeTiming(timing),
    /** The next fire times (also while paused: what resuming would give). */
    upcoming: fireTimesAfter(timing, now, UPCOMING_COUNT),
  };
}

export type ScheduleView = ReturnType<typeof scheduleView>;
