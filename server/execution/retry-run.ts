import { eq } from 'drizzle-orm';
import { inTransaction } from '@/db/client';
import { flowRuns, taskRuns } from '@/db/schema';
import { downstreamOf } from '@/server/engine/planning';
import { isTerminalFlowState } from '@/server/engine/states';
import { ConflictError, InvalidInputError, NotFoundError } from '@/server/errors';
import { advanceFlowRun } from './advance';
import { type EngineDeps, TASK_QUEUE } from './deps';
import { loadVersionDocument } from './documents';
import { recordTransitions } from './transitions';

/**
 * Retries a finished run as a new run of the same version and parameters.
 * Tasks that completed are not run again: their outputs are reused (shown
 * as Cached, pointing at the task run that produced them). With `fromNodeId`,
 * that node and everything downstream of it run again.
 */
export async function retryFlowRun(
  deps: EngineDeps,
  input: { runId: string; fromNodeId?: string; triggeredBy?: string | null },
) {
  const id = await inTransaction(deps.db, async (t) => {
    const { tx } = t;
    const [original] = await tx.select().from(flowRuns).where(eq(flowRuns.id, input.runId));
    if (!original) throw new NotFoundError('Run', input.runId);
    if (!isTerminalFlowState(original.state)) {
      throw new ConflictError(
        `The run is still ${original.state}; cancel it or wait for it to finish before retrying`,
      );
    }
    const { doc } = await loadVersionDocument(tx, original.flowVersionId);
    const rerun = new Set<string>();
    if (input.fromNodeId) {
      if (!doc.nodes.some((n) => n.id === input.fromNodeId)) {
        throw new InvalidInputError(`node "${input.fromNodeId}" is not in this run's flow version`);
      }
      rerun.add(input.fromNodeId);
      for (const id of downstreamOf(doc, input.fromNodeId)) rerun.add(id);
    }
    const previous = await tx.select().from(taskRuns).where(eq(taskRuns.flowRunId, original.id));
    const byNode = new Map(previous.map((p) => [p.nodeId, p]));
    if (!input.fromNodeId && original.state === 'completed') {
      throw new ConflictError(
        'Every task of this run completed; use "run again" or re-run from a node',
      );
    }

    const [run] = await tx
      .insert(flowRuns)
      .values({
        flowId: original.flowId,
        flowVersionId: original.flowVersionId,
        state: 'pending',
        params: original.params,
        trigger: 'retry',
        triggeredBy: input.triggeredBy ?? null,
        retryOfRunId: original.id,
        refreshCache: original.refreshCache,
        deadlineAt: doc.settings?.timeoutSeconds
          ? new Date(Date.now() + doc.settings.timeoutSeconds * 1000)
          : null,
      })
      .returning();
    const now = new Date();
    const rows = doc.nodes.map((node) => {
      const before = byNode.get(node.id);
      const reuse =
        before &&
        (before.state === 'completed' || before.state === 'cached') &&
        !rerun.has(node.id);
      return reuse
        ? {
            flowRunId: run!.id,
            nodeId: node.id,
            nodeType: node.type,
            state: 'cached' as const,
            stateReason: `output reused from run ${original.id}`,
            output: before.output,
            outputBytes: before.outputBytes,
            branch: before.branch,
            resolvedConfig: before.resolvedConfig,
            cachedFromTaskRunId: before.cachedFromTaskRunId ?? before.id,
            startedAt: now,
            endedAt: now,
          }
        : { flowRunId: run!.id, nodeId: node.id, nodeType: node.type, state: 'pending' as const };
    });
    const inserted = await tx
      .insert(taskRuns)
      .values(rows)
      .returning({ id: taskRuns.id, state: taskRuns.state });
    await recordTransitions(tx, [
      {
        flowRunId: run!.id,
        fromState: null,
        toState: 'pending',
        reason: `retry of run ${original.id}`,
      },
      ...inserted.map((task) => ({
        flowRunId: run!.id,
        taskRunId: task.id,
        fromState: null,
        toState: task.state,
      })),
    ]);
    await advanceFlowRun(t, deps, run!);
    return run!.id;
  });
  deps.wakeLocal(TASK_QUEUE);
  return { id };
}
