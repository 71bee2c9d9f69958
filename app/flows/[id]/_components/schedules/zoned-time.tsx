'use client';

/** "Sat 28 Mar 2026, 12:00 CET" in the given zone (the viewer's when absent). */
export function formatZoned(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
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

/** "Sat 06:00 GMT-5": enough beside the full time in the schedule's zone. */
function formatShortZoned(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    hourCycle: 'h23',
  }).format(date);
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The next fire times, each in the schedule's timezone and, when the viewer
 * is elsewhere, in the viewer's own.
 */
export function FireTimes({
  times,
  timeZone,
  'data-testid': testId,
}: {
  times: readonly Date[];
  timeZone: string;
  'data-testid'?: string;
}) {
  const local = viewerTimeZone();
  if (times.length === 0) return <p className="text-xs text-slate-500">Never fires.</p>;
  return (
    <ol className="space-y-0.5 text-xs tabular-nums" data-testid={testId}>
      {times.map((time) => (
        <li
          key={time.toISOString()}
          className="flex flex-wrap items-baseline gap-x-2"
          data-testid="schedule-next-time"
          data-time={time.toISOString()}
        >
          <time dateTime={time.toISOString()} className="text-slate-800">
            {formatZoned(time, timeZone)}
          </time>
          {local !== timeZone && (
            <span className="text-slate-400">your time: {formatShortZoned(time, local)}</span>
          )}
        </li>
      ))}
    </ol>
  );
}
