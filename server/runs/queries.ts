import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lt,
  sql,
} from 'drizzle-orm';
import type { Database, DbOrTx } from '@/db/client';
import {
  flowRuns,
  flows,
  flowVersions,
  type LogLevel,
  logLevels,
  type RunTrigger,
  runLogs,
  runTransitions,
  taskAttempts,
  taskRuns,
} from '@/db/schema';
import type { FlowRunState } from '@/server/engine/states';
import { NotFoundError } from '@/server/errors';
import { containsPattern, resolveRunSearch, runSearchCondition } from './search';

/** A run with its tasks (in document order) and each task's attempts. */
export async function getFlowRun(db: Database, id: string) {
  const [row] = await db
    .select({
      run: flowRuns,
      flowName: flows.name,
      version: flowVersions.version,
      document: flowVersions.document,
    })
    .from(flowRuns)
    .innerJoin(flows, eq(flows.id, flowRuns.flowId))
    .innerJoin(flowVersions, eq(flowVersions.id, flowRuns.flowVersionId))
    .where(eq(flowRuns.id, id));
  if (!row) throw new NotFoundError('Run', id);
  // For-each items are not listed one by one (a for-each may have
  // thousands): their for-each carries counts by state instead.
  const tasks = await db
    .select()
    .from(taskRuns)
    .where(and(eq(taskRuns.flowRunId, id), isNull(taskRuns.parentTaskRunId)));
  const items = await countForEachItems(db, id);
  const attempts =
    tasks.length === 0
      ? []
      : await db
          .select()
          .from(taskAttempts)
          .where(
            inArray(
              taskAttempts.taskRunId,
              tasks.map((t) => t.id),
            ),
          )
          .orderBy(asc(taskAttempts.attempt));
  const order = new Map(row.document.nodes.map((n, i) => [n.id, i]));
  tasks.sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0));
  return {
    ...row.run,
    late: isLate(row.run, new Date()),
    flowName: row.flowName,
    version: row.version,
    document: row.document,
    tasks: tasks.map((t) => ({
      ...t,
      attempts: attempts.filter((a) => a.taskRunId === t.id),
      items: items.get(t.id) ?? null,
    })),
  };
}

/** A run's for-each items counted by state, per for-each task run id. */
export async function countForEachItems(db: DbOrTx, runId: string) {
  const itemCounts = await db
    .select({ parent: taskRuns.parentTaskRunId, state: taskRuns.state, n: count() })
    .from(taskRuns)
    .where(and(eq(taskRuns.flowRunId, runId), isNotNull(taskRuns.parentTaskRunId)))
    .groupBy(taskRuns.parentTaskRunId, taskRuns.state);
  const items = new Map<string, { total: number; byState: Partial<Record<string, number>> }>();
  for (const row of itemCounts) {
    const entry = items.get(row.parent!) ?? { total: 0, byState: {} };
    entry.total += row.n;
    entry.byState[row.state] = row.n;
    items.set(row.parent!, entry);
  }
  return items;
}

export type FlowRunDetail = Awaited<ReturnType<typeof getFlowRun>>;

/** A run from a schedule that has not started within the schedule's threshold of its time. */
export function isLate(
  run: { state: FlowRunState; lateAt: Date | null; startedAt: Date | null },
  now: Date,
): boolean {
  return (
    (run.state === 'scheduled' || run.state === 'pending') &&
    run.startedAt === null &&
    run.lateAt !== null &&
    run.lateAt <= now
  );
}

export interface ListFlowRunsInput {
  flowId?: string;
  state?: FlowRunState;
  trigger?: RunTrigger;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  /** Flow name or parameters contain (case-insensitive), or the run id starts with. */
  search?: string;
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * A page's cursor: the last row's created_at to the microsecond (a JS Date
 * keeps milliseconds, which would skip rows created in the same
 * millisecond) and its id, which breaks ties.
 */
const cursorKey = sql<string>`to_char(${flowRuns.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '~' || ${flowRuns.id}`;

/**
 * The runs list query, newest first, keyset-paginated on (created_at, id):
 * each filter plus the order is served by an index on (filter, created_at
 * desc, id desc), so the first and the thousandth page read `limit` rows.
 * Exported so a test can EXPLAIN exactly what runs.
 */
export async function runsListQuery(db: Database, input: ListFlowRunsInput) {
  const limit = Math.min(input.limit ?? 50, 200);
  const text = input.search?.trim();
  const search = text ? await resolveRunSearch(db, text) : null;
  const [cursorAt, cursorId] = input.cursor?.split('~') ?? [];
  // Wrapped: a query builder is thenable, and returning it from an async
  // function would run it.
  const query = db
    .select({
      id: flowRuns.id,
      flowId: flowRuns.flowId,
      flowName: flows.name,
      version: flowVersions.version,
      state: flowRuns.state,
      stateReason: flowRuns.stateReason,
      trigger: flowRuns.trigger,
      params: flowRuns.params,
      createdAt: flowRuns.createdAt,
      startedAt: flowRuns.startedAt,
      endedAt: flowRuns.endedAt,
      scheduledFor: flowRuns.scheduledFor,
      scheduleId: flowRuns.scheduleId,
      lateAt: flowRuns.lateAt,
      warningCount: flowRuns.warningCount,
      errorCount: flowRuns.errorCount,
      cursorKey,
    })
    .from(flowRuns)
    .innerJoin(flows, eq(flows.id, flowRuns.flowId))
    .innerJoin(flowVersions, eq(flowVersions.id, flowRuns.flowVersionId))
    .where(
      and(
        input.flowId ? eq(flowRuns.flowId, input.flowId) : undefined,
        input.state ? eq(flowRuns.state, input.state) : undefined,
        input.trigger ? eq(flowRuns.trigger, input.trigger) : undefined,
        input.from ? gte(flowRuns.createdAt, input.from) : undefined,
        input.to ? lt(flowRuns.createdAt, input.to) : undefined,
        search ? runSearchCondition(search) : undefined,
        cursorAt && cursorId
          ? sql`(${flowRuns.createdAt}, ${flowRuns.id}) < (${cursorAt}::timestamptz, ${cursorId}::uuid)`
          : undefined,
      ),
    )
    // `nulls last` as in the indexes (drizzle's desc() would mean nulls first).
    .orderBy(sql`${flowRuns.createdAt} desc nulls last`, sql`${flowRuns.id} desc nulls last`)
    .limit(limit + 1);
  return { query };
}

/**
 * Newest first, a page at a time. Each run carries its warning and error
 * log line counts (counters kept on flow_runs by the log writer).
 */
export async function listFlowRuns(db: Database, input: ListFlowRunsInput) {
  const limit = Math.min(input.limit ?? 50, 200);
  const { query } = await runsListQuery(db, input);
  const rows = await query;
  const now = new Date();
  const page = rows
    .slice(0, limit)
    .map(({ cursorKey: _, ...run }) => ({ ...run, late: isLate(run, now) }));
  const last = rows[limit - 1];
  return { runs: page, nextCursor: rows.length > limit && last ? last.cursorKey : null };
}

/**
 * Log lines of a run (or one task), oldest first, keyset-paginated on the
 * line id: after `afterId`, or the page just before `beforeId`, or with
 * `tail` the newest `limit` lines. `minLevel` and `search` (case-insensitive
 * "contains") filter in the database, so a 100,000-line run never travels
 * whole. Each line carries the node id of the task that wrote it.
 */
export async function listRunLogs(
  db: Database,
  input: {
    runId: string;
    taskRunId?: string;
    afterId?: number;
    beforeId?: number;
    tail?: boolean;
    minLevel?: LogLevel;
    search?: string;
    limit?: number;
  },
) {
  const limit = Math.min(input.limit ?? 500, 5000);
  const backwards = input.beforeId !== undefined || (input.tail && input.afterId === undefined);
  const rows = await db
    .select({
      id: runLogs.id,
      flowRunId: runLogs.flowRunId,
      taskRunId: runLogs.taskRunId,
      nodeId: taskRuns.nodeId,
      attempt: runLogs.attempt,
      level: runLogs.level,
      message: runLogs.message,
      at: runLogs.at,
    })
    .from(runLogs)
    .leftJoin(taskRuns, eq(taskRuns.id, runLogs.taskRunId))
    .where(
      and(
        eq(runLogs.flowRunId, input.runId),
        input.taskRunId ? eq(runLogs.taskRunId, input.taskRunId) : undefined,
        input.afterId ? gt(runLogs.id, input.afterId) : undefined,
        input.beforeId !== undefined ? lt(runLogs.id, input.beforeId) : undefined,
        input.minLevel && input.minLevel !== 'debug'
          ? inArray(runLogs.level, logLevels.slice(logLevels.indexOf(input.minLevel)))
          : undefined,
        input.search?.trim()
          ? ilike(runLogs.message, containsPattern(input.search.trim()))
          : undefined,
      ),
    )
    .orderBy(backwards ? desc(runLogs.id) : asc(runLogs.id))
    .limit(limit);
  return backwards ? rows.reverse() : rows;
}

/** State changes of a run after `afterId`: the live feed and the timeline. */
export async function listRunTransitions(db: Database, input: { runId: string; afterId?: number }) {
  return db
    .select()
    .from(runTransitions)
    .where(
      and(
        eq(runTransitions.flowRunId, input.runId),
        input.afterId ? gt(runTransitions.id, input.afterId) : undefined,
      ),
    )
    .orderBy(asc(runTransitions.id))
    .limit(10_000);
}

/** The items of a for-each task run, in order (paged). */
export async function listForEachItems(
  db: Database,
  input: { taskRunId: string; afterIndex?: number; limit?: number },
) {
  return db
    .select({
      id: taskRuns.id,
      index: taskRuns.itemIndex,
      state: taskRuns.state,
      stateReason: taskRuns.stateReason,
      attempt: taskRuns.attempt,
      output: taskRuns.output,
      error: taskRuns.error,
      startedAt: taskRuns.startedAt,
      endedAt: taskRuns.endedAt,
    })
    .from(taskRuns)
    .where(
      and(
        eq(taskRuns.parentTaskRunId, input.taskRunId),
        input.afterIndex === undefined ? undefined : gt(taskRuns.itemIndex, input.afterIndex),
      ),
    )
    .orderBy(asc(taskRuns.itemIndex))
    .limit(Math.min(input.limit ?? 200, 1000));
}

/** Which run a task run belongs to (a cached task links to the run that produced it). */
export async function findTaskRun(db: Database, id: string) {
  const [row] = await db
    .select({ id: taskRuns.id, flowRunId: taskRuns.flowRunId, nodeId: taskRuns.nodeId })
    .from(taskRuns)
    .where(eq(taskRuns.id, id));
  if (!row) throw new NotFoundError('Task run', id);
  return row;
}

/** Whether a run exists (the run page answers 404 before rendering when not). */
export async function flowRunExists(db: Database, id: string): Promise<boolean> {
  const [row] = await db.select({ id: flowRuns.id }).from(flowRuns).where(eq(flowRuns.id, id));
  return Boolean(row);
}
