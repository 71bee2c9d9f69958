import { createHash } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowRuns, flows, flowVersions, runTransitions, taskAttempts, taskRuns } from '@/db/schema';
import { NotFoundError } from '@/server/errors';
import { countForEachItems, isLate } from './queries';

/**
 * What the live run page draws, and nothing more: per task its state,
 * attempt, timings, output size, cache link and error message, with each
 * attempt's timings for the timeline. Outputs, resolved configs and error
 * stacks stay on the server until a task panel asks (`getTaskDetail`): a
 * 1,000-node run re-sent on every change must stay small.
 */
export async function getRunSummary(db: DbOrTx, id: string) {
  // One snapshot for every read below, so `seq` matches the tasks it counts.
  return db.transaction(
    async (tx) => {
      const [row] = await tx
        .select({
          run: flowRuns,
          flowName: flows.name,
          version: flowVersions.version,
          document: flowVersions.document,
          seq: sql<number>`(select count(*)::int from ${runTransitions} where ${runTransitions.flowRunId} = ${flowRuns.id})`,
        })
        .from(flowRuns)
        .innerJoin(flows, eq(flows.id, flowRuns.flowId))
        .innerJoin(flowVersions, eq(flowVersions.id, flowRuns.flowVersionId))
        .where(eq(flowRuns.id, id));
      if (!row) throw new NotFoundError('Run', id);
      const tasks = await tx
        .select(taskSummaryColumns)
        .from(taskRuns)
        .where(and(eq(taskRuns.flowRunId, id), isNull(taskRuns.parentTaskRunId)));
      // For-each items are counted by state on their for-each, never listed here.
      const items = await countForEachItems(tx, id);
      // The same tasks' attempts, found through the run (one parameter, not
      // a list of 1,000 task ids to bind and plan).
      const attempts = await tx
        .select({
          taskRunId: taskAttempts.taskRunId,
          attempt: taskAttempts.attempt,
          state: taskAttempts.state,
          startedAt: taskAttempts.startedAt,
          endedAt: taskAttempts.endedAt,
        })
        .from(taskAttempts)
        .innerJoin(taskRuns, eq(taskRuns.id, taskAttempts.taskRunId))
        .where(and(eq(taskRuns.flowRunId, id), isNull(taskRuns.parentTaskRunId)))
        .orderBy(asc(taskAttempts.attempt));
      const attemptsByTask = new Map<string, TaskAttemptSummary[]>();
      for (const { taskRunId, ...a } of attempts) {
        const list = attemptsByTask.get(taskRunId) ?? [];
        list.push(a);
        attemptsByTask.set(taskRunId, list);
      }
      const order = new Map(row.document.nodes.map((n, i) => [n.id, i]));
      tasks.sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0));
      const head = {
        ...row.run,
        flowName: row.flowName,
        version: row.version,
        /**
         * How many state changes this snapshot has seen (run_transitions of
         * the run, read in the same snapshot). It only grows, so a reader
         * holding two summaries keeps the one with the larger `seq`.
         */
        seq: row.seq,
        late: isLate(row.run, new Date()),
      };
      const summaryTasks = tasks.map(
        (t): TaskSummary => ({
          ...t,
          attempts: attemptsByTask.get(t.id) ?? [],
          items: items.get(t.id) ?? null,
        }),
      );
      return {
        ...head,
        /**
         * A hash of everything in this summary but the (immutable) document:
         * a reader that already holds a summary with this digest holds
         * exactly this one (the event stream skips its first snapshot then).
         */
        digest: createHash('sha1')
          .update(JSON.stringify([head, summaryTasks]))
          .digest('base64url'),
        document: row.document,
        tasks: summaryTasks,
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

const taskSummaryColumns = {
  id: taskRuns.id,
  nodeId: taskRuns.nodeId,
  nodeType: taskRuns.nodeType,
  state: taskRuns.state,
  stateReason: taskRuns.stateReason,
  attempt: taskRuns.attempt,
  startedAt: taskRuns.startedAt,
  endedAt: taskRuns.endedAt,
  outputBytes: taskRuns.outputBytes,
  cachedFromTaskRunId: taskRuns.cachedFromTaskRunId,
  branch: taskRuns.branch,
  readyAt: taskRuns.readyAt,
  queuedAt: taskRuns.queuedAt,
  errorMessage: sql<string | null>`${taskRuns.error}->>'message'`,
};

export interface TaskAttemptSummary {
  attempt: number;
  state: (typeof taskAttempts.$inferSelect)['state'];
  startedAt: Date;
  endedAt: Date | null;
}

export interface TaskSummary {
  id: string;
  nodeId: string;
  nodeType: string;
  state: (typeof taskRuns.$inferSelect)['state'];
  stateReason: string | null;
  attempt: number;
  startedAt: Date | null;
  endedAt: Date | null;
  outputBytes: number | null;
  cachedFromTaskRunId: string | null;
  branch: string | null;
  readyAt: Date | null;
  queuedAt: Date | null;
  errorMessage: string | null;
  attempts: TaskAttemptSummary[];
  items: { total: number; byState: Partial<Record<string, number>> } | null;
}

export type RunSummary = Awaited<ReturnType<typeof getRunSummary>>;
/** The run-level part of a summary: what a patch carries besides its changed tasks. */
export type RunSummaryHead = Omit<RunSummary, 'tasks' | 'document'>;

/**
 * How far a run has got, in one cheap read: its state and `seq` (state
 * changes so far). A page holding a summary polls this as a backstop and
 * re-reads the summary only when it is behind.
 */
export async function getRunProgress(db: DbOrTx, id: string) {
  const [row] = await db
    .select({
      state: flowRuns.state,
      seq: sql<number>`(select count(*)::int from ${runTransitions} where ${runTransitions.flowRunId} = ${flowRuns.id})`,
    })
    .from(flowRuns)
    .where(eq(flowRuns.id, id));
  if (!row) throw new NotFoundError('Run', id);
  return row;
}
