import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/**
 * When a schedule fires: pure functions over croner (cron with an optional
 * seconds field, IANA timezones, DST-aware) and fixed intervals.
 *
 * DST, as cron and systemd do it: a fixed-time cron (single second, minute
 * and hour, e.g. `30 2 * * *`) whose time does not exist on a spring-forward
 * day fires once at the first valid time after the gap (03:00 in
 * Europe/Madrid on 2026-03-29), and on a fall-back day fires once, at the
 * first of the two 02:30s. Wildcard/step crons (`*\/30 * * * *`) follow the
 * clock: they skip the missing hour and fire in both repeated hours.
 * Intervals are fixed durations, counted from `anchorAt`, whatever the clock says.
 */

export interface ScheduleTiming {
  kind: 'cron' | 'interval';
  cron?: string | null;
  intervalSeconds?: number | null;
  timezone: string;
  /** Interval slots are anchorAt + k × interval. */
  anchorAt?: Date | null;
}

export interface TimingIssue {
  /** The input field at fault: `cron`, `intervalSeconds` or `timezone`. */
  path: string;
  message: string;
}

export const MIN_INTERVAL_SECONDS = 1;
export const MAX_INTERVAL_SECONDS = 366 * 24 * 3600;

function cronFor(expression: string, timezone: string): Cron {
  return new Cron(expression.trim(), { timezone, paused: true, mode: '5-or-6-parts' });
}

/** Null when the name is an IANA timezone this runtime knows. */
export function timezoneProblem(timezone: string): string | null {
  // Offsets ("+02:00") have no DST rules; a schedule wants a place.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timezone)) {
    return `"${timezone}" is not an IANA timezone name (such as Europe/Madrid or UTC)`;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return null;
  } catch {
    return `"${timezone}" is not an IANA timezone name (such as Europe/Madrid or UTC)`;
  }
}

/** Every problem with a timing, each naming its field; empty when it is usable. */
export function checkTiming(timing: ScheduleTiming): TimingIssue[] {
  const issues: TimingIssue[] = [];
  const tzProblem = timezoneProblem(timing.timezone);
  if (tzProblem) issues.push({ path: 'timezone', message: tzProblem });
  if (timing.kind === 'cron') {
    const expression = timing.cron?.trim() ?? '';
    if (!expression) {
      issues.push({ path: 'cron', message: 'is required for a cron schedule' });
    } else {
      try {
        const cron = cronFor(expression, tzProblem ? 'UTC' : timing.timezone);
        if (!cron.nextRun()) issues.push({ path: 'cron', message: 'never fires (no such date)' });
      } catch (err) {
        issues.push({ path: 'cron', message: cronMessage(expression, err) });
      }
    }
  } else {
    const s = timing.intervalSeconds;
    if (s === undefined || s === null || !Number.isInteger(s)) {
      issues.push({ path: 'intervalSeconds', message: 'must be a whole number of seconds' });
    } else if (s < MIN_INTERVAL_SECONDS || s > MAX_INTERVAL_SECONDS) {
      issues.push({
        path: 'intervalSeconds',
        message: `must be between ${MIN_INTERVAL_SECONDS} second and 366 days`,
      });
    }
  }
  return issues;
}

function cronMessage(expression: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const reason = raw.replace(/^CronPattern: /, '').replace(/^CronDate: /, '');
  const fields = expression.split(/\s+/).length;
  if (fields !== 5 && fields !== 6 && !expression.startsWith('@')) {
    return `"${expression}" has ${fields} fields; expected 5 (minute hour day month weekday) or 6 (second first)`;
  }
  return `"${expression}" is not a valid cron expression: ${reason}`;
}

/** The first `count` fire times strictly after `after`. */
export function fireTimesAfter(timing: ScheduleTiming, after: Date, count: number): Date[] {
  if (count <= 0) return [];
  if (timing.kind === 'cron') {
    return cronFor(timing.cron ?? '', timing.timezone).nextRuns(count, after);
  }
  const step = (timing.intervalSeconds ?? 0) * 1000;
  if (step <= 0) return [];
  const anchor = (timing.anchorAt ?? after).getTime();
  const k = Math.max(0, Math.floor((after.getTime() - anchor) / step) + 1);
  return Array.from({ length: count }, (_, i) => new Date(anchor + (k + i) * step));
}

/**
 * Fire times in (after, until], oldest first, at most `max` of them (the
 * latest ones when there are more); `total` counts them all up to `countLimit`.
 */
export function fireTimesBetween(
  timing: ScheduleTiming,
  after: Date,
  until: Date,
  max: number,
  countLimit = 100_000,
): { times: Date[]; total: number } {
  const times: Date[] = [];
  let total = 0;
  let cursor = after;
  while (total < countLimit) {
    const batch = fireTimesAfter(timing, cursor, 256).filter((d) => d <= until);
    if (batch.length === 0) break;
    total += batch.length;
    times.push(...batch);
    if (times.length > max) times.splice(0, times.length - max);
    cursor = batch.at(-1)!;
    if (batch.length < 256) break;
  }
  return { times, total };
}

/** Local midnight of `now`'s day in `timezone`: intervals line up with the clock from there. */
export function intervalAnchor(timezone: string, now: Date): Date {
  const [midnight] = cronFor('0 0 * * *', timezone).previousRuns(1, new Date(now.getTime() + 1));
  return midnight ?? now;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "Every 15 minutes", "Every 1 hour 30 minutes". */
export function describeInterval(seconds: number): string {
  if (seconds === 1) return 'Every second';
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, word] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(plural(n, word));
    rest -= n * size;
  }
  const [first, ...others] = parts;
  if (others.length === 0 && first?.startsWith('1 ')) return `Every ${first.slice(2)}`;
  return `Every ${parts.join(' ')}`;
}

/**
 * A sentence a person can check: "Every day at 12:00 (Europe/Madrid)",
 * "At 09:00, Monday through Friday (UTC)", "Every 15 minutes".
 */
export function describeTiming(timing: ScheduleTiming): string {
  if (timing.kind === 'interval') return describeInterval(timing.intervalSeconds ?? 0);
  const expression = (timing.cron ?? '').trim();
  let text: string;
  try {
    text = cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
  } catch {
    text = expression;
  }
  const fields = expression.split(/\s+/);
  const [dom, month, dow] = fields.slice(-3);
  const everyDay = dom === '*' && month === '*' && (dow === '*' || dow === '?');
  if (everyDay && /^At \d\d:\d\d/.test(text)) text = `Every day at ${text.slice(3)}`;
  if (expression === '@daily' || expression === '@midnight') text = 'Every day at 00:00';
  return `${text} (${timing.timezone})`;
}

/** A time as the schedule's timezone shows it: "Sun 29 Mar 2026, 03:00 CEST". */
export function formatInZone(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: date.getUTCSeconds() === 0 ? undefined : '2-digit',
    timeZoneName: 'short',
    hourCycle: 'h23',
  }).format(date);
}
