import { type DashboardInput, dashboardRanges } from './schemas';

/** Bars are aligned to this instant (shifted to the viewer's midnight). */
const ORIGIN_MS = Date.UTC(2000, 0, 1);

export interface BucketWindow {
  /** Interval literal for date_bin / generate_series ('1 hour', '1 day'). */
  step: string;
  stepMs: number;
  origin: Date;
  /** Start of the first bar (inclusive). */
  from: Date;
  /** Start of the last bar: the one `now` falls in. */
  lastStart: Date;
  /** End of the last bar (exclusive). */
  to: Date;
  bucket: 'hour' | 'day';
}

/** The bars of a range ending with the one that holds `now`. */
export function bucketWindow(input: DashboardInput, now: Date): BucketWindow {
  const range = dashboardRanges[input.range];
  const origin = ORIGIN_MS - (input.utcOffsetMinutes ?? 0) * 60_000;
  const lastStart = origin + Math.floor((now.getTime() - origin) / range.stepMs) * range.stepMs;
  return {
    step: range.bucket === 'hour' ? '1 hour' : '1 day',
    stepMs: range.stepMs,
    origin: new Date(origin),
    from: new Date(lastStart - (range.buckets - 1) * range.stepMs),
    lastStart: new Date(lastStart),
    to: new Date(lastStart + range.stepMs),
    bucket: range.bucket,
  };
}
