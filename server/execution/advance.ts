import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { bossDb, queryPrepared, type Transaction, takeOpened } from '@/db/client';
import { rawRowReader } from '@/db/raw-rows';
import { concurrencyLimits, flowRuns, taskRuns } from '@/db/schema';
import type { FlowDocument, FlowNode } from '@/server/engine/document';
import { flowOutcome, type PlanTaskState, planNext } from '@/server/engine/planning';
import { type NodeSettings, nodeSettings } from '@/server/engine/retry';
import type { FlowRunState, TaskRunState } from '@/server/engine/states';
import { enqueueRunEndedNotifications } from '@/server/notifications/enqueue';
import { WAKE_CHANNEL } from '@/server/worker/wake';
import { type EngineDeps, RUN_CHANNEL, TASK_QUEUE } from './deps';
import { loadVersionDocument, nodeForTask } from './documents';
import {
  anyItemActive,
  cancelWaitingItems,
  forEachConcurrency,
  type ItemProgress,
  itemProgress,
  waitingForEachTasks,
} from './for-each-items';
import { handoffIn, type TaskJob } from './handoff';
import { ensureTaskQueue, poolOf, taskQueueFor } from './pools';
import { flushTransitions, type Notification, type TransitionRecord } from './transitions';

export type FlowRunRow = typeof flowRuns.$inferSelect;
export type TaskRow = Pick<
  typeof taskRuns.$inferSelect,
  | 'id'
  | 'nodeId'
  | 'state'
  | 'branch'
  | 'attempt'
  | 'readyAt'
  | 'queuedAt'
  | 'holdsSlot'
  | 'concurrencyTag'
  | 'suspendedState'
  | 'parentTaskRunId'
  | 'notBefore'
  | 'jobId'
>;

/**
 * Locks a flow run row: every change to a run's tasks happens under this lock.
 * `no key update`, not `update`: two engine transactions still exclude each
 * other, but inserts that reference the run (log lines, transitions,
 * attempts) take a key-share lock that must not wait for a finishing task.
 */
export async function lockFlowRun(
  t: Transaction,
  flowRunId: string,
  mode: 'wait' | 'skip' = 'wait',
): Promise<FlowRunRow | undefined> {
  const opened = mode === 'wait' ? takeOpeningLock(t, flowRunId) : null;
  if (opened) return opened.run;
  const { rows } = await queryPrepared(
    t.client,
    mode === 'wait' ? runLock(flowRunId) : sql`${runLock(flowRunId)} skip locked`,
  );
  return rows[0] ? readFlowRun(rows[0]) : undefined;
}

/** The run lock's statement: every claim and every finish takes it (a named prepared statement). */
function runLock(flowRunId: string): SQL {
  return sql`select * from flow_runs where id = ${flowRunId} for no key update`;
}

/**
 * The run lock as a statement sent with BEGIN (inTransaction's `opening`):
 * the engine's transactions start by locking a run, and sending both in one
 * round trip saves one per claim and per finish.
 */
export function lockOnBegin(flowRunId: string): { key: string; query: SQL } {
  return { key: `lock ${flowRunId}`, query: runLock(flowRunId) };
}

const readFlowRun = rawRowReader<FlowRunRow>(flowRuns);

/**
 * The run locked with BEGIN, if this transaction opened with that run's lock
 * (taken once, by the transaction's first lockFlowRun). `run` is undefined
 * when the run does not exist.
 */
function takeOpeningLock(t: Transaction, flowRunId: string): { run?: FlowRunRow } | null {
  const opened = takeOpened(t, `lock ${flowRunId}`);
  if (!opened) return null;
  const [raw] = opened.rows;
  return raw ? { run: readFlowRun(raw) } : {};
}

/** Locks the run a task run belongs to, in one round trip. */
export async function lockFlowRunOfTask({ tx }: Transaction, taskRunId: string) {
  const [run] = await tx
    .select()
    .from(flowRuns)
    .where(
      eq(
        flowRuns.id,
        sql`(select ${taskRuns.flowRunId} from ${taskRuns} where ${taskRuns.id} = ${taskRunId})`,
      ),
    )
    .for('no key update');
  return run;
}

const taskRowColumns = {
  id: taskRuns.id,
  nodeId: taskRuns.nodeId,
  state: taskRuns.state,
  branch: taskRuns.branch,
  attempt: taskRuns.attempt,
  readyAt: taskRuns.readyAt,
  queuedAt: taskRuns.queuedAt,
  holdsSlot: taskRuns.holdsSlot,
  concurrencyTag: taskRuns.concurrencyTag,
  suspendedState: taskRuns.suspendedState,
  parentTaskRunId: taskRuns.parentTaskRunId,
  notBefore: taskRuns.notBefore,
  jobId: taskRuns.jobId,
};

/**
 * A planning row as raw SQL returns it: the columns of PLANNING_COLUMNS,
 * its timestamps as epoch milliseconds.
 */
export interface RawTaskRow {
  id: string;
  node_id: string;
  state: TaskRunState;
  branch: string | null;
  attempt: number;
  ready_at: number | null;
  queued_at: number | null;
  holds_slot: boolean;
  concurrency_tag: string | null;
  suspended_state: unknown;
  parent_task_run_id: string | null;
  not_before: number | null;
  job_id: string | null;
}

/** The columns planning reads; those of TIMESTAMP_COLUMNS are read as epoch milliseconds. */
const PLANNING_COLUMN_LIST = [
  'id',
  'node_id',
  'state',
  'branch',
  'attempt',
  'ready_at',
  'queued_at',
  'holds_slot',
  'concurrency_tag',
  'suspended_state',
  'parent_task_run_id',
  'not_before',
  'job_id',
] as const;
const TIMESTAMP_COLUMNS = new Set<string>(['ready_at', 'queued_at', 'not_before']);

/** The columns planning reads, as stored: for a CTE that PLANNING_COLUMNS then reads. */
export const PLANNING_COLUMN_NAMES = sql.raw(PLANNING_COLUMN_LIST.join(', '));

/**
 * The columns of a planning row, for statements that read them in raw SQL.
 * Timestamps come as epoch milliseconds: a finishing transaction of a wide
 * run reads every graph task's row, and parsing their timestamp text took
 * 7–8 % of its worker's CPU (fanout200's profile).
 */
export const PLANNING_COLUMNS = sql.raw(
  PLANNING_COLUMN_LIST.map((column) =>
    TIMESTAMP_COLUMNS.has(column)
      ? `(extract(epoch from ${column}) * 1000)::float8 as ${column}`
      : column,
  ).join(', '),
);

const dateOf = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function toTaskRow(r: RawTaskRow): TaskRow {
  return {
    id: r.id,
    nodeId: r.node_id,
    state: r.state,
    branch: r.branch,
    attempt: r.attempt,
    readyAt: dateOf(r.ready_at),
    queuedAt: dateOf(r.queued_at),
    holdsSlot: r.holds_slot,
    concurrencyTag: r.concurrency_tag,
    suspendedState: r.suspended_state,
    parentTaskRunId: r.parent_task_run_id,
    notBefore: dateOf(r.not_before),
    jobId: r.job_id,
  };
}

/** What planning needs of every graph task of a run (for-each items: see for-each-items.ts). */
export function loadTaskRows({ tx }: Transaction, flowRunId: string): Promise<TaskRow[]> {
  return tx
    .select(taskRowColumns)
    .from(taskRuns)
    .where(and(eq(taskRuns.flowRunId, flowRunId), isNull(taskRuns.parentTaskRunId)));
}

const ACTIVE_TASK_STATES: TaskRunState[] = ['running', 'retrying'];

/**
 * After any task changed state: skip what can no longer run, mark what
 * became ready, dispatch ready tasks within the concurrency limits, and end
 * the run when every task is done. Caller holds the run lock.
 */
export async function advanceFlowRun(
  t: Transaction,
  deps: EngineDeps,
  run: FlowRunRow,
  /** Transitions the caller made; written with the ones made here, in one INSERT. */
  transitions: TransitionRecord[] = [],
  /** The run's tasks as the caller just read them (saves a query on the hot path). */
  preloaded?: TaskRow[],
): Promise<void> {
  const { tx } = t;
  const { doc, nodes } = await loadVersionDocument(tx, run.flowVersionId);
  const notifications: Notification[] = [];
  const tasks: TaskRow[] = preloaded ?? (await loadTaskRows(t, run.id));
  const byNode = new Map(tasks.map((task) => [task.nodeId, task]));
  const now = new Date();

  if (run.state === 'cancelling') {
    const forEachIds = tasks.filter((task) => nodes.get(task.nodeId)?.type === 'for-each');
    await cancelWaitingItems(
      t,
      forEachIds.map((task) => task.id),
      'the run was cancelled',
    );
    await cancelWaitingTasks(t, run, tasks, 'the run was cancelled', transitions);
    const stillActive =
      tasks.some((task) => ACTIVE_TASK_STATES.includes(task.state)) ||
      (await anyItemActive(
        t,
        forEachIds.map((task) => task.id),
      ));
    if (!stillActive)
      await finishFlowRun(
        t,
        deps,
        run,
        run.timedOut ? 'failed' : 'cancelled',
        run.stateReason,
        transitions,
        notifications,
      );
    await flushTransitions(tx, transitions, notifications);
    return;
  }
  if (run.state !== 'pending' && run.state !== 'running') {
    await flushTransitions(tx, transitions, notifications);
    return;
  }

  const states = new Map<string, PlanTaskState>(
    tasks.map((task) => [task.nodeId, { state: task.state, branch: task.branch ?? undefined }]),
  );
  const plan = planNext(doc, states);

  for (const skip of plan.skip) {
    const task = byNode.get(skip.nodeId);
    if (task?.state !== 'pending') continue;
    await tx
      .update(taskRuns)
      .set({ state: 'skipped', stateReason: skip.reason, endedAt: now, holdsSlot: false })
      .where(and(eq(taskRuns.id, task.id), eq(taskRuns.state, 'pending')));
    task.state = 'skipped';
    states.set(skip.nodeId, { state: 'skipped' });
    transitions.push({
      flowRunId: run.id,
      taskRunId: task.id,
      fromState: 'pending',
      toState: 'skipped',
      reason: skip.reason,
    });
  }

  // Newly ready tasks are marked in memory; dispatch writes ready_at with
  // the queueing (one UPDATE) or with the reason they wait.
  for (const id of plan.ready) {
    const task = byNode.get(id);
    if (task && !task.readyAt) task.readyAt = now;
  }
  const items = await settleForEachTasks(t, deps, nodes, tasks);
  // The statement that queues the tasks also wakes the workers (queueTaskJobs).
  await dispatchReadyTasks(t, deps, run, doc, nodes, tasks, items);

  const outcome = flowOutcome(doc, states);
  if (outcome.done && outcome.state) {
    await finishFlowRun(
      t,
      deps,
      run,
      outcome.state,
      outcome.reason ?? null,
      transitions,
      notifications,
    );
  }
  const handoff = handoffIn(t);
  // Tasks queued earlier and not fetched yet: the finishing worker may take
  // them over if it has slots left (claimHandedOff).
  handoff?.offerQueued(
    run,
    tasks.filter(
      (task) => task.state === 'pending' && task.queuedAt && task.jobId && !task.parentTaskRunId,
    ),
  );
  // A task handed off here is claimed next, in this transaction: its
  // statement writes these too.
  if (handoff?.hold(transitions, notifications)) return;
  await flushTransitions(tx, transitions, notifications);
}

async function cancelWaitingTasks(
  { tx }: Transaction,
  run: FlowRunRow,
  tasks: TaskRow[],
  reason: string,
  transitions: TransitionRecord[],
) {
  // Pending tasks never started; suspended ones (delay, approval, subflow,
  // for-each) hold no worker. Running attempts stop on their own (NOTIFY).
  const waiting = tasks.filter(
    (task) =>
      task.state === 'pending' || (task.state === 'running' && task.suspendedState !== null),
  );
  if (waiting.length === 0) return;
  const updated = await tx
    .update(taskRuns)
    .set({
      state: 'cancelled',
      stateReason: reason,
      endedAt: new Date(),
      holdsSlot: false,
      leaseExpiresAt: null,
    })
    .where(
      and(
        inArray(
          taskRuns.id,
          waiting.map((task) => task.id),
        ),
        sql`(${taskRuns.state} = 'pending' or (${taskRuns.state} = 'running' and ${taskRuns.suspendedState} is not null))`,
      ),
    )
    .returning({ id: taskRuns.id });
  const done = new Set(updated.map((u) => u.id));
  for (const task of waiting) {
    if (!done.has(task.id)) continue;
    // Items get no transition rows of their own when cancelled in bulk.
    if (!task.parentTaskRunId) {
      transitions.push({
        flowRunId: run.id,
        taskRunId: task.id,
        fromState: task.state,
        toState: 'cancelled',
        reason,
      });
    }
    task.state = 'cancelled';
    task.holdsSlot = false;
  }
}

async function finishFlowRun(
  t: Transaction,
  deps: EngineDeps,
  run: FlowRunRow,
  state: FlowRunState,
  reason: string | null,
  transitions: TransitionRecord[],
  notifications: Notification[],
) {
  const { tx } = t;
  const [updated] = await tx
    .update(flowRuns)
    .set({ state, stateReason: reason, endedAt: new Date() })
    .where(and(eq(flowRuns.id, run.id), eq(flowRuns.state, run.state)))
    .returning({ id: flowRuns.id });
  if (!updated) return;
  transitions.push({ flowRunId: run.id, fromState: run.state, toState: state, reason });
  notifications.push([RUN_CHANNEL, JSON.stringify({ runId: run.id, state })]);
  run.state = state;
  if (run.parentTaskRunId) await resumeTask(t, deps, run.parentTaskRunId);
  // Same transaction as the terminal state: the message is queued iff the run ended.
  await enqueueRunEndedNotifications(t, deps.boss, run);
}

/**
 * Sends a pg-boss job for each ready task that fits under the run's
 * maxConcurrency and its tag's limit (or hands it to the worker finishing in
 * this transaction, see handoff.ts); the others wait with the reason saved
 * (the page shows it); returns how many jobs went to pg-boss. Tag limits
 * span runs, so their count is taken under a transaction-scoped advisory
 * lock; if another transaction holds it we do not wait (no lock-order
 * deadlocks) — the sweeper tries again shortly.
 */
export async function dispatchReadyTasks(
  t: Transaction,
  deps: EngineDeps,
  run: FlowRunRow,
  doc: FlowDocument,
  nodes: Map<string, FlowNode>,
  tasks: TaskRow[],
  /** Each waiting for-each's items in use and next to start (from settleForEachTasks). */
  items: Map<string, ItemProgress>,
): Promise<number> {
  const waiting = tasks
    .filter((task) => task.state === 'pending' && task.readyAt && !task.queuedAt)
    .sort((a, b) => a.readyAt!.getTime() - b.readyAt!.getTime());
  // Items of a for-each count against the for-each's own limit, not the
  // flow's: the for-each node itself holds one of the flow's slots. Only as
  // many waiting items were read as there are slots free.
  const itemsRunning = new Map<string, number>();
  for (const [parentId, { busy, next }] of items) {
    itemsRunning.set(parentId, busy);
    waiting.push(...next);
  }
  if (waiting.length === 0) return 0;

  const maxConcurrency = doc.settings?.maxConcurrency ?? Number.POSITIVE_INFINITY;
  let inRun = tasks.filter((task) => task.holdsSlot && !task.parentTaskRunId).length;
  const tagUse = new Map<string, { used: number; limit: number } | null | undefined>();
  const handoff = handoffIn(t);
  const queued: QueuedDispatch[] = [];

  for (const task of waiting) {
    const resolved = nodeForTask(nodes, task.nodeId);
    if (!resolved) continue;
    const { node, forEach } = resolved;
    if (task.parentTaskRunId) {
      const limit = forEachConcurrency(forEach);
      const busy = itemsRunning.get(task.parentTaskRunId) ?? 0;
      // No per-item wait reason: the for-each node explains the wait.
      if (busy >= limit) continue;
      itemsRunning.set(task.parentTaskRunId, busy + 1);
    } else if (inRun >= maxConcurrency) {
      await setWaitReason(
        t,
        task,
        `waiting for a slot: this flow runs at most ${maxConcurrency} task${maxConcurrency === 1 ? '' : 's'} at once`,
      );
      continue;
    }
    const settings = nodeSettings(node, doc);
    const tag = settings.concurrencyTag;
    if (tag) {
      if (!tagUse.has(tag)) tagUse.set(tag, await tagUsage(t, tag));
      const usage = tagUse.get(tag);
      if (usage === undefined) {
        await setWaitReason(t, task, `waiting for a "${tag}" slot`);
        continue;
      }
      if (usage && usage.used >= usage.limit) {
        await setWaitReason(
          t,
          task,
          `waiting for a "${tag}" slot: ${usage.used} of ${usage.limit} in use`,
        );
        continue;
      }
      if (usage) usage.used++;
    }
    const attempt = task.attempt + 1;
    const job = { taskRunId: task.id, attempt, flowRunId: run.id, nodeId: task.nodeId };
    // Handed off: claimed by the finishing attempt's worker in this same
    // transaction, which writes this dispatch with the claim (handoff.ts).
    if (handoff?.take(poolOf(settings.pool), node.type)) {
      handoff.jobs.push({
        ...job,
        run,
        dispatch: { readyAt: task.readyAt!, concurrencyTag: tag, pool: poolOf(settings.pool) },
        handoff,
      });
    } else {
      queued.push({ task, job, jobId: randomUUID(), settings, tag });
    }
    task.queuedAt = new Date();
    task.holdsSlot = true;
    task.attempt = attempt;
    if (!task.parentTaskRunId) inRun++;
  }
  // The rest go to pg-boss: one UPDATE and one job INSERT for all of them,
  // however wide the fan-out.
  const sent = await queueTaskJobs(t, deps, queued);
  if (sent > 0 && handoff) handoff.queued = true;
  return sent;
}

interface QueuedDispatch {
  task: TaskRow;
  job: TaskJob;
  jobId: string;
  settings: NodeSettings;
  tag: string | null;
}

/** Marks dispatched tasks queued (guarded: still Pending, not queued) and sends their jobs. */
async function queueTaskJobs(
  t: Transaction,
  deps: EngineDeps,
  queued: QueuedDispatch[],
): Promise<number> {
  if (queued.length === 0) return 0;
  // One statement marks them queued and, if any was, wakes the default
  // queue's workers (NOTIFY, delivered at commit, when the jobs are
  // visible; other pools' workers are woken in sendTaskJobs): no round
  // trip of its own for the wake-up. Not a named statement: its best join
  // depends on the arrays' size, which a cached generic plan cannot see
  // (named, a 200-task dispatch took 6-19 ms instead of 1-3).
  const { rows } = await t.client.query<{ ids: string[] }>(
    `with marked as (
       update task_runs tr set ready_at = v.ready_at, queued_at = now(), job_id = v.job_id,
         holds_slot = true, attempt = v.attempt, state_reason = null,
         concurrency_tag = v.tag, pool = v.pool
       from unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::int[], $5::text[], $6::text[])
         as v(id, ready_at, job_id, attempt, tag, pool)
       where tr.id = v.id and tr.state = 'pending' and tr.queued_at is null
       returning tr.id
     )
     select coalesce(array_agg(id), '{}') as ids,
       case when count(*) > 0 then pg_notify($7, $8) end as woken
     from marked`,
    [
      queued.map((q) => q.task.id),
      queued.map((q) => q.task.readyAt),
      queued.map((q) => q.jobId),
      queued.map((q) => q.job.attempt),
      queued.map((q) => q.tag),
      queued.map((q) => poolOf(q.settings.pool)),
      WAKE_CHANNEL,
      TASK_QUEUE,
    ],
  );
  const done = new Set(rows[0]?.ids ?? []);
  const sending = queued.filter((q) => done.has(q.task.id));
  await sendTaskJobs(
    t,
    deps,
    sending.map((q) => ({
      payload: q.job,
      timeoutSeconds: q.settings.timeoutSeconds,
      jobId: q.jobId,
      pool: q.settings.pool,
    })),
  );
  return sending.length;
}

/** Saves why a ready task waits (and that it is ready), unless already saved. */
async function setWaitReason({ tx }: Transaction, task: TaskRow, reason: string) {
  await tx
    .update(taskRuns)
    .set({ stateReason: reason, readyAt: task.readyAt })
    .where(
      and(
        eq(taskRuns.id, task.id),
        sql`(${taskRuns.stateReason} is distinct from ${reason} or ${taskRuns.readyAt} is null)`,
      ),
    );
}

/**
 * For-each tasks waiting on their items: when an item failed and the
 * for-each does not continue on error, its waiting items are cancelled;
 * when every item is done, the for-each is resumed to collect the results.
 * Returns, for each for-each still waiting, its items in use and the next to start.
 */
async function settleForEachTasks(
  t: Transaction,
  deps: EngineDeps,
  nodes: Map<string, FlowNode>,
  tasks: TaskRow[],
): Promise<Map<string, ItemProgress>> {
  const waiting = new Map<string, ItemProgress>();
  for (const parent of waitingForEachTasks(tasks)) {
    if (parent.notBefore) continue;
    const node = nodes.get(parent.nodeId);
    const continueOnError = Boolean(
      (node?.config as { continueOnError?: boolean } | undefined)?.continueOnError,
    );
    const concurrency = forEachConcurrency(node);
    let progress = await itemProgress(t, parent.id, concurrency);
    if (progress.failed && progress.open && !continueOnError) {
      await cancelWaitingItems(t, [parent.id], `another item of "${parent.nodeId}" failed`);
      progress = await itemProgress(t, parent.id, concurrency);
    }
    if (!progress.open) {
      await resumeTask(t, deps, parent.id);
      parent.notBefore = new Date();
    } else {
      waiting.set(parent.id, progress);
    }
  }
  return waiting;
}

/**
 * Sends the job that resumes a suspended task now (a subflow whose child
 * finished, a for-each whose items finished, an approval decided). Guarded:
 * only a task still Running and suspended is touched. `not_before` marks
 * that a resume is on its way; the sweeper re-sends it if the job is lost.
 */
export async function resumeTask(t: Transaction, deps: EngineDeps, taskRunId: string) {
  const jobId = randomUUID();
  const [task] = await t.tx
    .update(taskRuns)
    .set({ notBefore: new Date(), queuedAt: new Date(), jobId })
    .where(
      and(
        eq(taskRuns.id, taskRunId),
        eq(taskRuns.state, 'running'),
        sql`${taskRuns.suspendedState} is not null`,
      ),
    )
    .returning({
      id: taskRuns.id,
      attempt: taskRuns.attempt,
      flowRunId: taskRuns.flowRunId,
      nodeId: taskRuns.nodeId,
      pool: taskRuns.pool,
    });
  if (!task) return false;
  await sendTaskJob(
    t,
    deps,
    { taskRunId: task.id, attempt: task.attempt, flowRunId: task.flowRunId, nodeId: task.nodeId },
    null,
    undefined,
    jobId,
    task.pool,
  );
  await t.tx.execute(sql`select pg_notify(${WAKE_CHANNEL}, ${TASK_QUEUE})`);
  return true;
}

/** Slots in use for a tag, or null when the tag has no limit; undefined when its lock is busy. */
async function tagUsage({ tx }: Transaction, tag: string) {
  const [limit] = await tx.select().from(concurrencyLimits).where(eq(concurrencyLimits.tag, tag));
  if (!limit) return null;
  const lock = await tx.execute<{ locked: boolean }>(
    sql`select pg_try_advisory_xact_lock(hashtext(${`pipewright-tag:${tag}`})) as locked`,
  );
  if (!lock.rows[0]?.locked) return undefined;
  const used = await tx.execute<{ n: number }>(
    sql`select count(*)::int as n from task_runs where holds_slot and concurrency_tag = ${tag}`,
  );
  return { used: used.rows[0]?.n ?? 0, limit: limit.maxRunning };
}

/** pg-boss 10 refuses expiries over 24 h. */
const MAX_JOB_EXPIRY_SECONDS = 24 * 3600 - 60;

/**
 * One pg-boss job per attempt. Its expiry is set above the task's own hard
 * timeout so pg-boss never declares a still-running attempt dead; our lease
 * detects dead workers long before. pg-boss never retries (retryLimit 0):
 * even a job pg-boss expires cannot start a second copy. Retries are ours.
 */
function jobExpirySeconds(timeoutSeconds: number | null): number {
  return Math.ceil(
    Math.min((timeoutSeconds ?? MAX_JOB_EXPIRY_SECONDS) + 120, MAX_JOB_EXPIRY_SECONDS),
  );
}

/**
 * A pool's queue exists before its first job, and (`wake`) its workers are
 * woken: callers NOTIFY the default queue themselves, workers of other pools
 * LISTEN for their own.
 */
async function readyPoolQueue({ tx, client }: Transaction, queue: string, wake: boolean) {
  if (queue === TASK_QUEUE) return;
  await ensureTaskQueue({ tx, client }, queue);
  if (wake) await client.query('select pg_notify($1, $2)', [WAKE_CHANNEL, queue]);
}

/** sendTaskJob for many jobs due now, in one INSERT (a fan-out's dispatch). */
async function sendTaskJobs(
  { tx, client }: Transaction,
  deps: EngineDeps,
  jobs: {
    payload: TaskJob;
    timeoutSeconds: number | null;
    jobId: string;
    pool: string | null;
  }[],
) {
  if (jobs.length === 0) return;
  for (const queue of new Set(jobs.map((j) => taskQueueFor(j.pool)))) {
    await readyPoolQueue({ tx, client }, queue, true);
  }
  await deps.boss.insert(
    jobs.map((j) => ({
      id: j.jobId,
      name: taskQueueFor(j.pool),
      data: j.payload,
      retryLimit: 0,
      expireInSeconds: jobExpirySeconds(j.timeoutSeconds),
    })),
    { db: bossDb(client) },
  );
}

export async function sendTaskJob(
  { tx, client }: Transaction,
  deps: EngineDeps,
  payload: TaskJob,
  timeoutSeconds: number | null,
  startAfter: Date | undefined,
  /** Chosen by the caller, who stores it on the task run in its own UPDATE. */
  jobId: string,
  /** The task's worker pool: its job goes to that pool's queue. */
  pool: string | null,
) {
  const expireInSeconds = jobExpirySeconds(timeoutSeconds);
  const queue = taskQueueFor(pool);
  await readyPoolQueue({ tx, client }, queue, !startAfter);
  const id = await deps.boss.send(queue, payload, {
    id: jobId,
    db: bossDb(client),
    retryLimit: 0,
    expireInSeconds,
    ...(startAfter ? { startAfter } : {}),
  });
  if (!id) throw new Error(`pg-boss refused the job for task run ${payload.taskRunId}`);
}
