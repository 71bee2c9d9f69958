import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowRuns, taskRuns } from '@/db/schema';
import type { TaskRunState } from '@/server/engine/states';
import { loadVersionDocument, nodeForTask } from '@/server/execution/documents';
import { isDeferred, jsonBytes, smallJson } from './lazy-value';

/** One direct upstream of a task, and what the task gets from it. */
export interface TaskInput {
  nodeId: string;
  /** The upstream task's state (null: the run has no task for that node). */
  state: TaskRunState | null;
  /**
   * Its output is in the task's `inputs` (the engine passes the outputs of
   * Completed and Cached upstreams only; a skipped or failed one is absent).
   */
  passed: boolean;
  /** Size of the output as stored; null when it has none or it is not passed. */
  bytes: number | null;
  /** Too big to send here: load it with `getTaskValue(nodeId, 'output')`. */
  deferred: boolean;
  /** The output, when passed and small; null otherwise. */
  value: unknown;
}

/** A for-each item's own input: its `item` and `index`. */
export interface TaskItemInput {
  index: number;
  bytes: number | null;
  /** Too big to send here: load it with `getTaskValue(<item node id>, 'item')`. */
  deferred: boolean;
  value: unknown;
}

/**
 * What a task receives, read the way the engine builds it (attempt.ts): the
 * outputs of its graph node's direct upstream in the version that ran (for a
 * for-each item, the for-each's upstream), keyed by node id, plus an item's
 * `item` and `index`. Values were redacted when written; big ones are left
 * for `getTaskValue` like the task's own output.
 */
export async function getTaskInputs(
  db: DbOrTx,
  task: { id: string; runId: string; nodeId: string; isItem: boolean },
): Promise<{ inputs: TaskInput[]; item: TaskItemInput | null }> {
  const [run] = await db
    .select({ flowVersionId: flowRuns.flowVersionId })
    .from(flowRuns)
    .where(eq(flowRuns.id, task.runId));
  if (!run) return { inputs: [], item: null };
  const { doc, nodes } = await loadVersionDocument(db, run.flowVersionId);
  const graphNodeId = nodeForTask(nodes, task.nodeId)?.graphNodeId;
  const sources = [
    ...new Set(doc.edges.filter((e) => e.target === graphNodeId).map((e) => e.source)),
  ];
  const [upstream, item] = await Promise.all([
    readUpstream(db, task.runId, sources),
    task.isItem ? readItem(db, task.id) : null,
  ]);
  const byNode = new Map(upstream.map((row) => [row.nodeId, row]));
  const inputs = sources.map((nodeId): TaskInput => {
    const row = byNode.get(nodeId);
    if (!row)
      return { nodeId, state: null, passed: false, bytes: null, deferred: false, value: null };
    return {
      nodeId,
      state: row.state,
      passed: row.passed,
      bytes: row.passed ? row.bytes : null,
      deferred: row.passed && isDeferred(row.bytes),
      value: row.passed ? (row.value ?? null) : null,
    };
  });
  return { inputs, item };
}

async function readUpstream(db: DbOrTx, runId: string, nodeIds: string[]) {
  if (nodeIds.length === 0) return [];
  const bytes = jsonBytes(taskRuns.output);
  const passed = sql<boolean>`${taskRuns.state} in ('completed', 'cached')`;
  return db
    .select({
      nodeId: taskRuns.nodeId,
      state: taskRuns.state,
      passed,
      bytes,
      // Only what the engine would pass: no output of an unsuccessful task.
      value: sql<unknown>`case when ${passed} then ${smallJson(taskRuns.output, bytes)} end`,
    })
    .from(taskRuns)
    .where(
      and(
        eq(taskRuns.flowRunId, runId),
        inArray(taskRuns.nodeId, nodeIds),
        isNull(taskRuns.parentTaskRunId),
      ),
    );
}

async function readItem(db: DbOrTx, taskRunId: string): Promise<TaskItemInput | null> {
  const bytes = jsonBytes(taskRuns.item);
  const [row] = await db
    .select({ index: taskRuns.itemIndex, bytes, value: smallJson(taskRuns.item, bytes) })
    .from(taskRuns)
    .where(eq(taskRuns.id, taskRunId));
  if (!row) return null;
  return {
    index: row.index ?? 0,
    bytes: row.bytes,
    deferred: isDeferred(row.bytes),
    value: row.value ?? null,
  };
}
