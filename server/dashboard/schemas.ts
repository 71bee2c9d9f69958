import { z } from 'zod';

/** The dashboard's time ranges: how far back, and the width of one bar. */
export const dashboardRanges = {
  '24h': { buckets: 24, bucket: 'hour', stepMs: 3_600_000 },
  '7d': { buckets: 7, bucket: 'day', stepMs: 86_400_000 },
  '30d': { buckets: 30, bucket: 'day', stepMs: 86_400_000 },
} as const;
export type DashboardRange = keyof typeof dashboardRanges;

const rangeInput = {
  range: z.enum(Object.keys(dashboardRanges) as [DashboardRange, ...DashboardRange[]]),
  /**
   * The viewer's offset from UTC in minutes (east positive, e.g. 120 for
   * UTC+2), so day bars start at the viewer's midnight.
   */
  utcOffsetMinutes: z.number().int().min(-840).max(840).optional(),
  flowId: z.uuid({ message: 'is not a flow id' }).optional(),
};

export const runCountsInput = z.object(rangeInput);
export const durationTrendInput = z.object(rangeInput);
export type DashboardInput = z.infer<typeof runCountsInput>;

export const badgeSnippetInput = z.object({
  flowId: z.uuid({ message: 'is not a flow id' }),
  /** The address the browser uses, for when PIPEWRIGHT_PUBLIC_URL is not set. */
  origin: z.url({ message: 'is not a URL' }),
});
