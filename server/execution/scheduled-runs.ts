import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowRuns } from '@/db/schema';
import type { FlowRunRow } from './advance';
import { RUN_CHANNEL } from './deps';
import { notifyOnCommit, recordTransitions } from './transitions';

/**
 * Ends a run that never fired (state Scheduled, no task runs): Cancelled
 * (a user, a pause, a catch-up policy) or Failed (it could not start), with
 * the reason shown on its page. A guarded update: if the run fired or ended
 * meanwhile, nothing changes and false is returned.
 */
export async function endScheduledRun(
  tx: DbOrTx,
  run: Pick<FlowRunRow, 'id'>,
  state: 'cancelled' | 'failed',
  reason: string,
): Promise<boolean> {
  const [ended] = await tx
    .update(flowRuns)
    .set({ state, stateReason: reason, endedAt: new Date() })
    .where(and(eq(flowRuns.id, run.id), eq(flowRuns.state, 'scheduled')))
    .returning({ id: flowRuns.id });
  if (!ended) return false;
  await recordTransitions(tx, [
    { flowRunId: run.id, fromState: 'scheduled', toState: state, reason },
  ]);
  await notifyOnCommit(tx, RUN_CHANNEL, JSON.stringify({ runId: run.id, state }));
  return true;
}
