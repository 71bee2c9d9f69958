import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { taskAttempts, taskRuns } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import { isDeferred, jsonBytes, smallJson } from './lazy-value';
import { getTaskInputs } from './task-inputs';

/**
 * One task of a run in full, for its panel: its inputs (see task-inputs.ts),
 * resolved config and output (each only if small, see LAZY_VALUE_BYTES),
 * error with stack, and every attempt with worker, timings and error.
 */
export async function getTaskDetail(db: DbOrTx, input: { runId: string; nodeId: string }) {
  const configBytes = jsonBytes(taskRuns.resolvedConfig);
  const outputBytes = jsonBytes(taskRuns.output);
  const [task] = await db
    .select({
      id: taskRuns.id,
      nodeId: taskRuns.nodeId,
      state: taskRuns.state,
      attempt: taskRuns.attempt,
      error: taskRuns.error,
      configBytes,
      outputBytes,
      resolvedConfig: smallJson(taskRuns.resolvedConfig, configBytes),
      output: smallJson(taskRuns.output, outputBytes),
      isItem: sql<boolean>`${taskRuns.parentTaskRunId} is not null`,
    })
    .from(taskRuns)
    .where(and(eq(taskRuns.flowRunId, input.runId), eq(taskRuns.nodeId, input.nodeId)));
  if (!task) throw new NotFoundError('Task', `${input.nodeId} of run ${input.runId}`);
  const { isItem, ...own } = task;
  const [received, attempts] = await Promise.all([
    getTaskInputs(db, { ...input, id: task.id, isItem }),
    db
      .select({
        attempt: taskAttempts.attempt,
        state: taskAttempts.state,
        workerId: taskAttempts.workerId,
        startedAt: taskAttempts.startedAt,
        endedAt: taskAttempts.endedAt,
        error: taskAttempts.error,
      })
      .from(taskAttempts)
      .where(eq(taskAttempts.taskRunId, task.id))
      .orderBy(asc(taskAttempts.attempt)),
  ]);
  return {
    ...own,
    /** Null in the database (not yet resolved / no output) vs. too big to send here. */
    configDeferred: isDeferred(task.configBytes),
    outputDeferred: isDeferred(task.outputBytes),
    attempts,
    /** What it received: its direct upstream's outputs and, for an item, its item. */
    inputs: received.inputs,
    item: received.item,
  };
}

export type TaskDetail = Awaited<ReturnType<typeof getTaskDetail>>;

const valueColumns = {
  output: taskRuns.output,
  resolvedConfig: taskRuns.resolvedConfig,
  item: taskRuns.item,
};

/**
 * A task's full output, resolved config or (for-each item) item, however
 * big (the panel asked for it; an upstream's output is its input).
 */
export async function getTaskValue(
  db: DbOrTx,
  input: { runId: string; nodeId: string; field: keyof typeof valueColumns },
): Promise<unknown> {
  const [row] = await db
    .select({ value: valueColumns[input.field] })
    .from(taskRuns)
    .where(and(eq(taskRuns.flowRunId, input.runId), eq(taskRuns.nodeId, input.nodeId)));
  if (!row) throw new NotFoundError('Task', `${input.nodeId} of run ${input.runId}`);
  return row.value;
}
