/**
 * The most intervals in progress at once: how a test proves a concurrency
 * limit held, from the start and end times the database recorded.
 */
export function maxOverlap(intervals: { start: number; end: number }[]): number {
  const events = intervals.flatMap((i) => [
    { t: i.start, d: 1 },
    { t: i.end, d: -1 },
  ]);
  // At equal times an end comes before a start: back-to-back is not overlap.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}
