import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowRuns, flows } from '@/db/schema';
import { type BucketWindow, bucketWindow } from './buckets';
import type { DashboardInput } from './schemas';

export interface DurationBucket {
  start: Date;
  /** Completed runs in the bar. */
  runs: number;
  /** Milliseconds; null for a bar without completed runs. */
  p50: number | null;
  p95: number | null;
}

/**
 * Duration (start → end) of one flow's completed runs: median and 95th
 * percentile per bar, every bar present (null where none completed).
 * Without a flow, the one with the most completed runs in the range.
 */
export async function durationTrend(db: Database, input: DashboardInput, now = new Date()) {
  const w = bucketWindow(input, now);
  const inRange = sql`${flowRuns.createdAt} >= ${w.from} and ${flowRuns.createdAt} < ${w.to}`;
  let flowId = input.flowId;
  if (!flowId) {
    const [busiest] = await db
      .select({ flowId: flowRuns.flowId })
      .from(flowRuns)
      .where(and(inRange, eq(flowRuns.state, 'completed')))
      .groupBy(flowRuns.flowId)
      .orderBy(sql`count(*) desc`, flowRuns.flowId)
      .limit(1);
    flowId = busiest?.flowId;
  }
  const [flow] = flowId
    ? await db.select({ id: flows.id, name: flows.name }).from(flows).where(eq(flows.id, flowId))
    : [];
  if (!flow) return { bucket: w.bucket, flow: null, buckets: [] as DurationBucket[] };

  const rows = await db.execute<{
    start: Date | string;
    runs: number;
    p50: number | null;
    p95: number | null;
  }>(durationTrendSql(flow.id, w));
  return {
    bucket: w.bucket,
    flow,
    buckets: rows.rows.map(
      (r): DurationBucket => ({
        start: new Date(r.start),
        runs: r.runs,
        p50: r.p50 === null ? null : Number(r.p50),
        p95: r.p95 === null ? null : Number(r.p95),
      }),
    ),
  };
}

/** The statement, apart so a test can EXPLAIN it. */
export function durationTrendSql(flowId: string, w: BucketWindow) {
  const ms = sql`extract(epoch from ${flowRuns.endedAt} - ${flowRuns.startedAt}) * 1000`;
  return sql`
    with bars as (
      select generate_series(${w.from}::timestamptz, ${w.lastStart}::timestamptz,
        ${w.step}::interval) as start
    ), stats as (
      select date_bin(${w.step}::interval, ${flowRuns.createdAt}, ${w.origin}::timestamptz) as start,
        count(*)::int as runs,
        percentile_cont(0.5) within group (order by ${ms})::float8 as p50,
        percentile_cont(0.95) within group (order by ${ms})::float8 as p95
      from ${flowRuns}
      where ${flowRuns.flowId} = ${flowId}
        and ${flowRuns.createdAt} >= ${w.from} and ${flowRuns.createdAt} < ${w.to}
        and ${flowRuns.state} = 'completed'
        and ${flowRuns.startedAt} is not null and ${flowRuns.endedAt} is not null
      group by 1
    )
    select bars.start, coalesce(stats.runs, 0)::int as runs, stats.p50, stats.p95
    from bars left join stats on stats.start = bars.start
    order by bars.start`;
}
