import { and, eq, gt } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowRuns } from '@/db/schema';
import { endScheduledRun } from '@/server/execution/scheduled-runs';

/**
 * Cancels every run of the schedule that has not fired yet, with the reason
 * on each (pause, delete). Runs that already fired are not touched.
 */
export async function cancelUnfiredRuns(
  tx: DbOrTx,
  scheduleId: string,
  reason: string,
): Promise<number> {
  const unfired = await tx
    .select({ id: flowRuns.id })
    .from(flowRuns)
    .where(and(eq(flowRuns.scheduleId, scheduleId), eq(flowRuns.state, 'scheduled')))
    .for('update');
  let cancelled = 0;
  for (const run of unfired) {
    if (await endScheduledRun(tx, run, 'cancelled', reason)) cancelled++;
  }
  return cancelled;
}

/**
 * Removes the runs materialised ahead (not yet due) so an edited schedule
 * can materialise its new slots: they never started, had no tasks, and
 * stand for a timing that no longer exists. Due ones stay for the tick.
 */
export async function dropFutureRuns(tx: DbOrTx, scheduleId: string, now: Date): Promise<void> {
  await tx
    .delete(flowRuns)
    .where(
      and(
        eq(flowRuns.scheduleId, scheduleId),
        eq(flowRuns.state, 'scheduled'),
        gt(flowRuns.scheduledFor, now),
      ),
    );
}
