import { createTRPCRouter, viewerProcedure } from '@/server/api/trpc';
import { badgeSnippet } from '@/server/dashboard/badge-snippet';
import { durationTrend } from '@/server/dashboard/duration-trend';
import { countRunsOverTime } from '@/server/dashboard/run-counts';
import { badgeSnippetInput, durationTrendInput, runCountsInput } from '@/server/dashboard/schemas';
import { env } from '@/server/env';

export const dashboardRouter = createTRPCRouter({
  /** Runs per hour or day of the range, by state (empty bars as zeros). */
  runCounts: viewerProcedure
    .input(runCountsInput)
    .query(({ ctx, input }) => countRunsOverTime(ctx.runtime.db, input)),
  /** p50 / p95 duration of a flow's completed runs per bar. */
  durationTrend: viewerProcedure
    .input(durationTrendInput)
    .query(({ ctx, input }) => durationTrend(ctx.runtime.db, input)),
  /** The README Markdown for a flow's status badge. */
  badgeSnippet: viewerProcedure
    .input(badgeSnippetInput)
    .query(({ ctx, input }) =>
      badgeSnippet(ctx.runtime.db, { ...input, publicUrl: env().PIPEWRIGHT_PUBLIC_URL }),
    ),
});
