import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';

export interface LateRun {
  id: string;
  flowId: string;
  scheduleId: string | null;
  scheduledFor: Date;
  state: 'scheduled' | 'pending';
}

/**
 * Runs from a schedule that were not started within the schedule's
 * threshold (`lateAfterSeconds`) of their time, seen for the first time:
 * each is stamped `late_since` by a guarded update, so however many workers
 * tick, a run is returned once — the hook for "on late" notifications.
 */
export async function claimNewlyLateRuns(db: DbOrTx, now: Date): Promise<LateRun[]> {
  const result = await db.execute<{
    id: string;
    flow_id: string;
    schedule_id: string | null;
    scheduled_for: Date | string;
    state: 'scheduled' | 'pending';
  }>(sql`
    update flow_runs set late_since = ${now}
    where state in ('scheduled', 'pending') and started_at is null
      and late_at is not null and late_at <= ${now} and late_since is null
    returning id, flow_id, schedule_id, scheduled_for, state`);
  return result.rows.map((r) => ({
    id: r.id,
    flowId: r.flow_id,
    scheduleId: r.schedule_id,
    scheduledFor: new Date(r.scheduled_for),
    state: r.state,
  }));
}
