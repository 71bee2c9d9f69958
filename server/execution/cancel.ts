import { and, eq } from 'drizzle-orm';
import { inTransaction } from '@/db/client';
import { flowRuns } from '@/db/schema';
import { isTerminalFlowState } from '@/server/engine/states';
import { ConflictError, NotFoundError } from '@/server/errors';
import { advanceFlowRun, lockFlowRun } from './advance';
import { CANCEL_CHANNEL, type EngineDeps } from './deps';
import { notifyOnCommit, recordTransitions } from './transitions';

/**
 * Cancels a run: tasks that have not started (or are suspended) become
 * Cancelled at once; running attempts are told to stop (NOTIFY, and their
 * next heartbeat sees it) and the run ends Cancelled when the last one has.
 */
export async function cancelFlowRun(
  deps: EngineDeps,
  runId: string,
  options: { reason?: string; timedOut?: boolean } = {},
) {
  return inTransaction(deps.db, async (t) => {
    const run = await lockFlowRun(t, runId);
    if (!run) throw new NotFoundError('Run', runId);
    if (isTerminalFlowState(run.state)) {
      throw new ConflictError(`The run already ended (${run.state}); there is nothing to cancel`);
    }
    if (run.state === 'cancelling') return { state: run.state };
    const reason = options.reason ?? 'cancelled by a user';
    await t.tx
      .update(flowRuns)
      .set({ state: 'cancelling', stateReason: reason, timedOut: options.timedOut ?? false })
      .where(and(eq(flowRuns.id, run.id), eq(flowRuns.state, run.state)));
    await recordTransitions(t.tx, [
      { flowRunId: run.id, fromState: run.state, toState: 'cancelling', reason },
    ]);
    await notifyOnCommit(t.tx, CANCEL_CHANNEL, run.id);
    const cancelling = {
      ...run,
      state: 'cancelling' as const,
      stateReason: reason,
      timedOut: options.timedOut ?? false,
    };
    await advanceFlowRun(t, deps, cancelling);
    return { state: cancelling.state };
  });
}
