import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowRuns } from '@/db/schema';
import { type FlowRunState, flowRunStates } from '@/server/engine/states';
import { type BucketWindow, bucketWindow } from './buckets';
import type { DashboardInput } from './schemas';

export interface RunCountBucket {
  start: Date;
  total: number;
  byState: Record<FlowRunState, number>;
}

/**
 * Runs created per bar (hour or day) by state, every bar of the range
 * present (generate_series; an empty one is all zeros). One range scan of
 * flow_runs_created_idx (flow_runs_flow_created_idx with a flow).
 */
export async function countRunsOverTime(db: Database, input: DashboardInput, now = new Date()) {
  const w = bucketWindow(input, now);
  const rows = await db.execute<{ start: Date | string; state: FlowRunState | null; n: number }>(
    runCountsSql(input, w),
  );
  const buckets = new Map<number, RunCountBucket>();
  for (const row of rows.rows) {
    const start = new Date(row.start);
    let bucket = buckets.get(start.getTime());
    if (!bucket) {
      const byState = Object.fromEntries(flowRunStates.map((s) => [s, 0]));
      bucket = { start, total: 0, byState: byState as Record<FlowRunState, number> };
      buckets.set(start.getTime(), bucket);
    }
    if (row.state) {
      bucket.byState[row.state] += row.n;
      bucket.total += row.n;
    }
  }
  return { bucket: w.bucket, from: w.from, to: w.to, buckets: [...buckets.values()] };
}

/** The statement, apart so a test can EXPLAIN it. */
export function runCountsSql(input: DashboardInput, w: BucketWindow) {
  return sql`
    with bars as (
      select generate_series(${w.from}::timestamptz, ${w.lastStart}::timestamptz,
        ${w.step}::interval) as start
    ), counts as (
      select date_bin(${w.step}::interval, ${flowRuns.createdAt}, ${w.origin}::timestamptz) as start,
        ${flowRuns.state} as state, count(*)::int as n
      from ${flowRuns}
      where ${flowRuns.createdAt} >= ${w.from} and ${flowRuns.createdAt} < ${w.to}
        ${input.flowId ? sql`and ${flowRuns.flowId} = ${input.flowId}` : sql``}
      group by 1, 2
    )
    select bars.start, counts.state, coalesce(counts.n, 0)::int as n
    from bars left join counts on counts.start = bars.start
    order by bars.start`;
}
