import type { Database } from '@/db/client';
import { InvalidInputError } from '@/server/errors';
import { inferKind } from './config';
import { getScheduleRow } from './list';
import { timingOf } from './materialize';
import type { UpcomingInput } from './schemas';
import { checkTiming, describeTiming, fireTimesAfter, intervalAnchor } from './times';
import { UPCOMING_COUNT } from './view';

/**
 * The description and next fire times of a saved schedule, or of a timing
 * being typed (the form's live preview). A bad cron or timezone is a
 * BAD_REQUEST whose issues name the field.
 */
export async function upcomingFireTimes(db: Database, input: UpcomingInput, now: Date) {
  const count = input.count ?? UPCOMING_COUNT;
  if (input.id !== undefined) {
    const row = await getScheduleRow(db, input.id);
    const timing = timingOf(row);
    return {
      description: describeTiming(timing),
      timezone: row.timezone,
      times: fireTimesAfter(timing, now, count),
    };
  }
  const timezone = input.timezone?.trim() || 'UTC';
  const timing = {
    kind: inferKind(input),
    cron: input.cron,
    intervalSeconds: input.intervalSeconds,
    timezone,
  };
  const issues = checkTiming(timing);
  if (issues.length > 0) {
    throw new InvalidInputError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), issues);
  }
  const anchored = { ...timing, anchorAt: intervalAnchor(timezone, now) };
  return {
    description: describeTiming(anchored),
    timezone,
    times: fireTimesAfter(anchored, now, count),
  };
}
