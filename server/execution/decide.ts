import { eq } from 'drizzle-orm';
import { inTransaction } from '@/db/client';
import { taskRuns } from '@/db/schema';
import { ConflictError, InvalidInputError, NotFoundError } from '@/server/errors';
import type { ApprovalField } from '@/server/tasks/orchestration';
import { type ApprovalState, checkApprovalValues } from '@/server/tasks/runners/approval';
import { lockFlowRunOfTask, resumeTask } from './advance';
import { type EngineDeps, TASK_QUEUE } from './deps';
import { loadVersionDocument } from './documents';

/**
 * Approves or rejects a waiting approval task: the decision is saved on the
 * task and it is resumed (on any worker — the wait survives restarts).
 */
export async function decideApproval(
  deps: EngineDeps,
  input: {
    taskRunId: string;
    decision: 'approve' | 'reject';
    comment?: string;
    values?: Record<string, unknown>;
    decidedBy?: string | null;
  },
) {
  await inTransaction(deps.db, async (t) => {
    const run = await lockFlowRunOfTask(t, input.taskRunId);
    if (!run) throw new NotFoundError('Task run', input.taskRunId);
    const [task] = await t.tx.select().from(taskRuns).where(eq(taskRuns.id, input.taskRunId));
    if (!task) throw new NotFoundError('Task run', input.taskRunId);
    if (task.nodeType !== 'approval') {
      throw new InvalidInputError(
        `task "${task.nodeId}" is a ${task.nodeType} task, not an approval`,
      );
    }
    const waiting = task.suspendedState as ApprovalState | null;
    if (task.state !== 'running' || waiting?.kind !== 'approval') {
      throw new ConflictError(
        `task "${task.nodeId}" is not waiting for approval (it is ${task.state})`,
      );
    }
    if (waiting.decision) {
      throw new ConflictError(
        `task "${task.nodeId}" was already ${waiting.decision.decision === 'approve' ? 'approved' : 'rejected'}${waiting.decision.decidedBy ? ` by ${waiting.decision.decidedBy}` : ''}`,
      );
    }
    const { nodes } = await loadVersionDocument(t.tx, run.flowVersionId);
    const fields = (
      nodes.get(task.nodeId)?.config as { fields?: Record<string, ApprovalField> } | undefined
    )?.fields;
    const values = input.values ?? {};
    if (input.decision === 'approve') {
      const problems = checkApprovalValues(fields, values);
      if (problems.length > 0) {
        throw new InvalidInputError(
          problems.join('; '),
          problems.map((message) => ({ path: `values`, nodeId: task.nodeId, message })),
        );
      }
    }
    const decided: ApprovalState = {
      ...waiting,
      decision: {
        decision: input.decision,
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.decision === 'approve' ? { values } : {}),
        decidedBy: input.decidedBy ?? null,
        decidedAt: new Date().toISOString(),
      },
    };
    await t.tx
      .update(taskRuns)
      .set({
        suspendedState: decided,
        stateReason: `${input.decision === 'approve' ? 'approved' : 'rejected'}; resuming`,
      })
      .where(eq(taskRuns.id, task.id));
    await resumeTask(t, deps, task.id);
  });
  deps.wakeLocal(TASK_QUEUE);
}
