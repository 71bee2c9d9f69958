import { and, eq, notInArray } from 'drizzle-orm';
import { inTransaction, type Transaction } from '@/db/client';
import { flowRuns, taskRuns } from '@/db/schema';
import { isTerminalFlowState } from '@/server/engine/states';
import { ConflictError, NotFoundError } from '@/server/errors';
import { advanceFlowRun, type FlowRunRow, lockFlowRun } from './advance';
import { CANCEL_CHANNEL, type EngineDeps, RUN_CHANNEL } from './deps';
import { endScheduledRun } from './scheduled-runs';
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
  const result = await cancelOneRun(deps, runId, options);
  // Child runs (subflows) of this run are cancelled too, each in its own
  // transaction: locks are always taken parent-free, so none can deadlock.
  const children = await deps.db
    .select({ id: flowRuns.id })
    .from(flowRuns)
    .innerJoin(taskRuns, eq(taskRuns.id, flowRuns.parentTaskRunId))
    .where(
      and(
        eq(taskRuns.flowRunId, runId),
        notInArray(flowRuns.state, ['completed', 'failed', 'cancelled', 'crashed']),
      ),
    );
  for (const child of children) {
    try {
      await cancelFlowRun(deps, child.id, { reason: 'its parent run was cancelled' });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return result;
}

async function cancelOneRun(
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
    // A Scheduled run has no tasks yet: it ends Cancelled at once, and its
    // schedule does not create that slot again.
    if (run.state === 'scheduled') {
      await endScheduledRun(t.tx, run, 'cancelled', options.reason ?? 'cancelled by a user');
      return { state: 'cancelled' as const };
    }
    const cancelling = await markRunCancelling(
      t,
      run,
      options.reason ?? 'cancelled by a user',
      options.timedOut ?? false,
    );
    await advanceFlowRun(t, deps, cancelling);
    return { state: cancelling.state };
  });
}

/**
 * Moves a run (locked by the caller) to Cancelling and tells workers running
 * its attempts to stop. The caller then advances the run, which cancels what
 * waits and ends the run once nothing runs.
 */
export async function markRunCancelling(
  t: Transaction,
  run: FlowRunRow,
  reason: string,
  timedOut: boolean,
): Promise<FlowRunRow> {
  await t.tx
    .update(flowRuns)
    .set({ state: 'cancelling', stateReason: reason, timedOut })
    .where(and(eq(flowRuns.id, run.id), eq(flowRuns.state, run.state)));
  await recordTransitions(t.tx, [
    { flowRunId: run.id, fromState: run.state, toState: 'cancelling', reason },
  ]);
  await notifyOnCommit(t.tx, CANCEL_CHANNEL, run.id);
  await notifyOnCommit(t.tx, RUN_CHANNEL, JSON.stringify({ runId: run.id }));
  return { ...run, state: 'cancelling', stateReason: reason, timedOut };
}
