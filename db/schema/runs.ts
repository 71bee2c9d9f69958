import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { FlowRunState, TaskRunState } from '@/server/engine/states';
import { flows, flowVersions } from './flows';
import { schedules } from './schedules';

export type { FlowRunState, TaskRunState } from '@/server/engine/states';

export const runTriggers = [
  'manual',
  'schedule',
  'webhook',
  'api',
  'cli',
  'subflow',
  'retry',
] as const;
export type RunTrigger = (typeof runTriggers)[number];

export const flowRuns = pgTable(
  'flow_runs',
  {
    id: uuid().primaryKey().defaultRandom(),
    flowId: uuid()
      .notNull()
      .references(() => flows.id),
    flowVersionId: uuid()
      .notNull()
      .references(() => flowVersions.id),
    state: text().$type<FlowRunState>().notNull(),
    /** Why the run is in its state: the failure, or what it waits for. */
    stateReason: text(),
    params: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    trigger: text().$type<RunTrigger>().notNull(),
    triggeredBy: text(),
    refreshCache: boolean().notNull().default(false),
    /** Set when this run is a subflow of a task run in another run. */
    parentTaskRunId: uuid(),
    /** A run started by "retry" points at the run it continues. */
    retryOfRunId: uuid(),
    scheduledFor: timestamp({ withTimezone: true }),
    /** The schedule that created this run (trigger 'schedule'); null once the schedule is deleted. */
    scheduleId: uuid().references(() => schedules.id, { onDelete: 'set null' }),
    /** When a Scheduled run was promoted to Pending (its slot fired). */
    firedAt: timestamp({ withTimezone: true }),
    /** When a scheduled run not yet started counts as Late (scheduledFor + the schedule's threshold). */
    lateAt: timestamp({ withTimezone: true }),
    /** When a scheduler tick first saw it Late (set once: "on late" notifies once). */
    lateSince: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    /** Flow-level timeout deadline, fixed when the run starts. */
    deadlineAt: timestamp({ withTimezone: true }),
    /** The run hit its flow timeout (it ends Failed, after cancelling its tasks). */
    timedOut: boolean().notNull().default(false),
    /**
     * Warning and error log lines of the run, kept by the log writer in the
     * statement's transaction (server/execution/logs.ts) so the runs list
     * never counts run_logs.
     */
    warningCount: integer().notNull().default(0),
    errorCount: integer().notNull().default(0),
  },
  (t) => [
    index('flow_runs_created_idx').on(t.createdAt.desc(), t.id.desc()),
    index('flow_runs_flow_created_idx').on(t.flowId, t.createdAt.desc(), t.id.desc()),
    index('flow_runs_active_idx')
      .on(t.state)
      .where(sql`${t.state} in ('scheduled','pending','running','cancelling')`),
    index('flow_runs_parent_idx').on(t.parentTaskRunId),
    // The exactly-once key: one live run per schedule slot, whatever the
    // number of workers. A run cancelled before it fired (pause, edit)
    // frees its slot for re-materialisation; one that fired keeps it.
    uniqueIndex('flow_runs_schedule_slot_unique')
      .on(t.scheduleId, t.scheduledFor)
      .where(
        sql`${t.scheduleId} is not null and (${t.state} <> 'cancelled' or ${t.firedAt} is not null)`,
      ),
    index('flow_runs_due_idx').on(t.scheduledFor).where(sql`${t.state} = 'scheduled'`),
    // The runs list filtered by state or trigger, newest first (keyset).
    index('flow_runs_state_created_idx').on(t.state, t.createdAt.desc(), t.id.desc()),
    index('flow_runs_trigger_created_idx').on(t.trigger, t.createdAt.desc(), t.id.desc()),
    // The runs list's text search ("parameters contain …", any case): a
    // trigram index (pg_trgm, created by the migration) answers ILIKE
    // '%…%' without reading every run. Flow names are matched through
    // flows_name_trgm_idx and run ids by a range on the primary key.
    index('flow_runs_params_trgm_idx').using('gin', sql`(${t.params}::text) gin_trgm_ops`),
    // Retention: per flow, the oldest finished runs first; active runs are
    // not in it, so the cleanup never reads past what it may delete.
    index('flow_runs_expiry_idx')
      .on(t.flowId, t.endedAt)
      .where(sql`${t.state} in ('completed','failed','cancelled','crashed')`),
  ],
);

export const taskRuns = pgTable(
  'task_runs',
  {
    id: uuid().primaryKey().defaultRandom(),
    flowRunId: uuid()
      .notNull()
      .references(() => flowRuns.id, { onDelete: 'cascade' }),
    nodeId: text().notNull(),
    nodeType: text().notNull(),
    state: text().$type<TaskRunState>().notNull(),
    stateReason: text(),
    /** Fencing token: the attempt currently allowed to write. Starts at 0 (not started). */
    attempt: integer().notNull().default(0),
    /** Config after templates were resolved, for the run page. */
    resolvedConfig: jsonb(),
    output: jsonb(),
    outputBytes: integer(),
    error: jsonb().$type<{ message: string; stack?: string; code?: string }>(),
    cacheKey: text(),
    cachedFromTaskRunId: uuid(),
    cacheExpiresAt: timestamp({ withTimezone: true }),
    concurrencyTag: text(),
    pool: text(),
    workerId: text(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    /** Lease of the running attempt; a lapsed lease means its worker died. */
    leaseExpiresAt: timestamp({ withTimezone: true }),
    /** When a Retrying or suspended task may run next. */
    notBefore: timestamp({ withTimezone: true }),
    /** Set when every upstream finished and the task may run (planning decided). */
    readyAt: timestamp({ withTimezone: true }),
    /** Set when a pg-boss job was sent for the current attempt. */
    queuedAt: timestamp({ withTimezone: true }),
    /** That job's id: the sweeper re-sends it if it was lost. */
    jobId: uuid(),
    /** Counts against the run's maxConcurrency and its tag's limit while true. */
    holdsSlot: boolean().notNull().default(false),
    /** For a completed branch node: the handle it took ("true" or "false"). */
    branch: text(),
    /** State a suspended task (delay, approval, subflow) resumes from. */
    suspendedState: jsonb(),
    /** Attempts lost to a dead worker; they do not use up the node's retries. */
    crashCount: integer().notNull().default(0),
    /** For-each items: the for-each task run they belong to, their position and value. */
    parentTaskRunId: uuid(),
    itemIndex: integer(),
    item: jsonb(),
  },
  (t) => [
    uniqueIndex('task_runs_run_node_unique').on(t.flowRunId, t.nodeId),
    index('task_runs_waiting_idx')
      .on(t.readyAt)
      .where(sql`${t.queuedAt} is null and ${t.readyAt} is not null and ${t.state} = 'pending'`),
    index('task_runs_parent_idx')
      .on(t.parentTaskRunId, t.itemIndex)
      .where(sql`${t.parentTaskRunId} is not null`),
    index('task_runs_slot_idx').on(t.flowRunId).where(sql`${t.holdsSlot}`),
    // Planning reads a run's graph tasks without its for-each items (up to
    // 10,000 per for-each), and reaches items only through the three below:
    // so finishing one item costs the same with 10 items or 10,000.
    index('task_runs_graph_idx').on(t.flowRunId).where(sql`${t.parentTaskRunId} is null`),
    index('task_runs_item_state_idx')
      .on(t.parentTaskRunId, t.state)
      .where(sql`${t.parentTaskRunId} is not null`),
    // Whether any item is still open, or any failed: each a partial index of
    // exactly those items, so the planner cannot answer it by walking all of
    // a for-each's items in task_runs_parent_idx, as it did while its
    // statistics said a for-each has one item (every fresh database, and any
    // for-each far larger than the average).
    index('task_runs_item_open_idx')
      .on(t.parentTaskRunId)
      .where(
        sql`${t.parentTaskRunId} is not null and ${t.state} in ('pending', 'running', 'retrying')`,
      ),
    index('task_runs_item_failed_idx')
      .on(t.parentTaskRunId)
      .where(
        sql`${t.parentTaskRunId} is not null and ${t.state} in ('failed', 'timedout', 'cancelled')`,
      ),
    index('task_runs_item_slot_idx')
      .on(t.parentTaskRunId)
      .where(sql`${t.parentTaskRunId} is not null and ${t.holdsSlot}`),
    index('task_runs_item_waiting_idx')
      .on(t.parentTaskRunId, t.itemIndex)
      .where(
        sql`${t.parentTaskRunId} is not null and ${t.state} = 'pending' and ${t.queuedAt} is null`,
      ),
    index('task_runs_cache_idx')
      .on(t.cacheKey, t.endedAt.desc())
      .where(sql`${t.state} = 'completed' and ${t.cacheKey} is not null`),
    index('task_runs_lease_idx').on(t.leaseExpiresAt).where(sql`${t.state} = 'running'`),
    // Retention keeps runs whose cache entries are still live: a range scan
    // over unexpired entries only, whatever the size of the table.
    index('task_runs_cache_expiry_idx')
      .on(t.cacheExpiresAt, t.flowRunId)
      .where(sql`${t.cacheExpiresAt} is not null`),
    index('task_runs_tag_idx')
      .on(t.concurrencyTag)
      .where(sql`${t.state} = 'running' and ${t.concurrencyTag} is not null`),
  ],
);

/** One row per attempt of a task: its timings, worker and error. */
export const taskAttempts = pgTable(
  'task_attempts',
  {
    taskRunId: uuid()
      .notNull()
      .references(() => taskRuns.id, { onDelete: 'cascade' }),
    attempt: integer().notNull(),
    /** The attempt's own outcome; `crashed` when its worker died. */
    state: text().$type<TaskRunState | 'crashed'>().notNull(),
    workerId: text(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp({ withTimezone: true }),
    error: jsonb().$type<{ message: string; stack?: string; code?: string }>(),
  },
  (t) => [primaryKey({ columns: [t.taskRunId, t.attempt] })],
);

/**
 * Every state change of a flow run (task_run_id null) or task run, with its
 * time: the source of the run page's timeline.
 */
export const runTransitions = pgTable(
  'run_transitions',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    flowRunId: uuid()
      .notNull()
      .references(() => flowRuns.id, { onDelete: 'cascade' }),
    taskRunId: uuid().references(() => taskRuns.id, { onDelete: 'cascade' }),
    fromState: text(),
    toState: text().notNull(),
    attempt: integer(),
    reason: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('run_transitions_run_idx').on(t.flowRunId, t.id),
    index('run_transitions_task_idx').on(t.taskRunId, t.id),
  ],
);

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const runLogs = pgTable(
  'run_logs',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    flowRunId: uuid()
      .notNull()
      .references(() => flowRuns.id, { onDelete: 'cascade' }),
    taskRunId: uuid().references(() => taskRuns.id, { onDelete: 'cascade' }),
    attempt: integer(),
    level: text().$type<LogLevel>().notNull(),
    message: text().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('run_logs_run_idx').on(t.flowRunId, t.id),
    index('run_logs_task_idx').on(t.taskRunId, t.id),
  ],
);

/** Named concurrency limits shared by every run: at most `maxRunning` tasks tagged `tag`. */
export const concurrencyLimits = pgTable('concurrency_limits', {
  tag: text().primaryKey(),
  maxRunning: integer().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
