import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flowRuns, flows } from '@/db/schema';
import type { FlowRunState } from '@/server/engine/states';

export type BadgeStatus = 'passing' | 'failing' | 'running' | 'cancelled' | 'no runs';

const statusOf: Record<FlowRunState, BadgeStatus> = {
  completed: 'passing',
  failed: 'failing',
  crashed: 'failing',
  scheduled: 'running',
  pending: 'running',
  running: 'running',
  cancelling: 'cancelled',
  cancelled: 'cancelled',
};

/**
 * The badge status of a flow: its latest top-level run's state. Runs
 * started by a parent flow's `subflow` task are left out: they live and
 * die with another flow's run (a parent cancelled cancels them), so they
 * would make this flow's badge report the parent's trouble. Null for an
 * unknown or deleted flow. Reads one row of flow_runs_flow_created_idx
 * (more only when the newest runs are subflow children).
 */
export async function flowBadgeStatus(
  db: Database,
  flowId: string,
): Promise<{ status: BadgeStatus; runId: string | null } | null> {
  const [flow] = await db
    .select({ id: flows.id })
    .from(flows)
    .where(and(eq(flows.id, flowId), isNull(flows.deletedAt)));
  if (!flow) return null;
  const [latest] = await db
    .select({ id: flowRuns.id, state: flowRuns.state })
    .from(flowRuns)
    .where(and(eq(flowRuns.flowId, flowId), isNull(flowRuns.parentTaskRunId)))
    // `nulls last` as in the index, so it is read in order.
    .orderBy(sql`${flowRuns.createdAt} desc nulls last`, sql`${flowRuns.id} desc nulls last`)
    .limit(1);
  return latest
    ? { status: statusOf[latest.state], runId: latest.id }
    : { status: 'no runs', runId: null };
}
