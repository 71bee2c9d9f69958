import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { concurrencyLimits, flowRuns, flows, taskRuns } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import { nodeSettings } from '@/server/engine/retry';
import { isTerminalFlowState, isTerminalTaskState } from '@/server/engine/states';
import { NotFoundError } from '@/server/errors';
import { loadVersionDocument, nodeForTask } from '@/server/execution/documents';
import { poolOf } from '@/server/execution/pools';
import { DEFAULT_FOR_EACH_CONCURRENCY } from '@/server/tasks/orchestration';
import { type ListWorkersOptions, onlinePools, type PoolCapacity } from '@/server/worker/list';
import { isLate } from './queries';

/**
 * "Why isn't this running?": for a waiting run and each waiting task, the
 * reason, worked out from the database as it is now — never a guess saved
 * earlier. Each reason has a kind (for code and tests), a sentence (for
 * people) and the data behind it (the pool, the run holding a slot, until
 * when).
 */
export type WaitKind =
  | 'scheduled'
  | 'due'
  | 'late'
  | 'no-worker'
  | 'workers-busy'
  | 'queued'
  | 'concurrency'
  | 'approval'
  | 'retry-backoff'
  | 'delay'
  | 'subflow'
  | 'for-each'
  | 'upstream'
  | 'dispatching'
  | 'suspended';

/** A task holding a slot another task waits for. */
export interface SlotHolder {
  taskRunId: string;
  nodeId: string;
  runId: string;
  flowName: string;
}

export interface WaitReason {
  kind: WaitKind;
  /** One sentence; times are in `until`/`since`, not in the text. */
  message: string;
  /** A command that resolves the wait (start a worker, approve), when there is one. */
  command?: string;
  pool?: string;
  /** When the wait ends by itself (a schedule, a backoff, a delay, an approval deadline). */
  until?: Date;
  /** When a late run was due. */
  since?: Date;
  /** Concurrency waits: the limit, how much of it is used, and by whom. */
  limit?: { scope: 'flow' | 'tag'; tag?: string; max: number; used: number };
  holders?: SlotHolder[];
  /** The run this wait is about, when it is another run (a slot holder, a subflow). */
  blockingRunId?: string;
  /** Upstream waits: the nodes not finished yet. */
  upstreamNodeIds?: string[];
}

export interface TaskWait {
  taskRunId: string;
  nodeId: string;
  reason: WaitReason;
}

export interface RunWhy {
  runId: string;
  state: string;
  /** Why the run as a whole is not running; null while something runs (or it ended). */
  reason: (WaitReason & { taskRunId?: string; nodeId?: string }) | null;
  /** Every waiting task of the run (for-each items are folded into their for-each). */
  tasks: TaskWait[];
}

/** Which task reason explains a stalled run best: what someone can act on first. */
const RUN_REASON_PRIORITY: WaitKind[] = [
  'no-worker',
  'concurrency',
  'workers-busy',
  'approval',
  'retry-backoff',
  'delay',
  'subflow',
  'queued',
  'dispatching',
  'for-each',
  'suspended',
];

const HOLDERS_SHOWN = 5;

type TaskRow = typeof taskRuns.$inferSelect;

export async function whyNotRunning(
  db: DbOrTx,
  runId: string,
  options: ListWorkersOptions & { now?: Date } = {},
): Promise<RunWhy> {
  const now = options.now ?? new Date();
  const [row] = await db
    .select({ run: flowRuns, flowName: flows.name })
    .from(flowRuns)
    .innerJoin(flows, eq(flows.id, flowRuns.flowId))
    .where(eq(flowRuns.id, runId));
  if (!row) throw new NotFoundError('Run', runId);
  const { run, flowName } = row;
  const result: RunWhy = { runId, state: run.state, reason: null, tasks: [] };
  if (isTerminalFlowState(run.state) || run.state === 'cancelling') return result;

  const pools = await onlinePools(db, options);
  if (run.state === 'scheduled') {
    result.reason = scheduledReason(run, now, pools);
    return result;
  }

  const { doc, nodes } = await loadVersionDocument(db, run.flowVersionId);
  const tasks = await db
    .select()
    .from(taskRuns)
    .where(and(eq(taskRuns.flowRunId, runId), sql`${taskRuns.parentTaskRunId} is null`));
  const items = await itemSummaries(db, runId);
  const byNode = new Map(tasks.map((t) => [t.nodeId, t]));
  const context: Context = {
    db,
    doc,
    nodes,
    pools,
    now,
    flowName,
    tasks,
    byNode,
    items,
    tagCache: new Map(),
  };

  let executing = false;
  for (const task of tasks) {
    if (isTerminalTaskState(task.state)) continue;
    if (task.state === 'running' && task.suspendedState === null) {
      executing = true;
      continue;
    }
    const reason = await taskReason(context, task);
    if (reason) result.tasks.push({ taskRunId: task.id, nodeId: task.nodeId, reason });
    else executing = true;
  }
  if (executing) return result;

  // A task waiting for a slot another task of this run holds is explained
  // by that task's own wait, unless nothing else is waiting.
  const ownSlot = (t: TaskWait) =>
    t.reason.kind === 'concurrency' && (t.reason.holders ?? []).every((h) => h.runId === runId);
  const candidates = result.tasks.filter((t) => RUN_REASON_PRIORITY.includes(t.reason.kind));
  const rootCauses = candidates.filter((t) => !ownSlot(t));
  const best = (rootCauses.length > 0 ? rootCauses : candidates)
    .slice()
    .sort(
      (a, b) =>
        RUN_REASON_PRIORITY.indexOf(a.reason.kind) - RUN_REASON_PRIORITY.indexOf(b.reason.kind),
    )[0];
  if (best) {
    // The same rule as the Late badge: past the schedule's threshold, not only its time.
    const late = isLate(run, now) && run.scheduledFor;
    result.reason = {
      ...best.reason,
      ...(late ? { since: late, message: `Late: ${lowerFirst(best.reason.message)}` } : {}),
      taskRunId: best.taskRunId,
      nodeId: best.nodeId,
    };
  }
  return result;
}

interface ItemSummary {
  executing: number;
  queued: number;
  /** Ready but not queued: waiting for one of the for-each's own slots. */
  unqueued: number;
  backoffUntil: Date | null;
}

interface Context {
  db: DbOrTx;
  doc: FlowDocument;
  nodes: Awaited<ReturnType<typeof loadVersionDocument>>['nodes'];
  pools: Map<string, PoolCapacity>;
  now: Date;
  flowName: string;
  tasks: TaskRow[];
  byNode: Map<string, TaskRow>;
  items: Map<string, ItemSummary>;
  tagCache: Map<string, Awaited<ReturnType<typeof tagSlots>>>;
}

/**
 * A Scheduled run: before its time it waits for it; past its time but
 * within the schedule's late threshold it is due (the scheduler fires it
 * within a second); past the threshold it is Late — the same rule as the
 * Late badge (isLate), so the page never says "Late" beside a Scheduled badge.
 */
function scheduledReason(
  run: typeof flowRuns.$inferSelect,
  now: Date,
  pools: Map<string, PoolCapacity>,
): WaitReason {
  const { scheduledFor } = run;
  if (scheduledFor && scheduledFor > now) {
    return { kind: 'scheduled', message: 'Scheduled to start later.', until: scheduledFor };
  }
  const anyWorker = pools.size > 0;
  const startCommand = anyWorker ? {} : { command: 'npx pipewright worker' };
  const since = scheduledFor ? { since: scheduledFor } : {};
  if (!isLate(run, now)) {
    return {
      kind: 'due',
      message: anyWorker
        ? 'Due: a worker starts it in a moment.'
        : 'Due, but no worker is online to start it.',
      ...since,
      ...startCommand,
    };
  }
  return {
    kind: 'late',
    message: anyWorker
      ? 'Late: it was due and has not started yet.'
      : 'Late: no worker is online to start it.',
    ...since,
    ...startCommand,
  };
}

async function taskReason(c: Context, task: TaskRow): Promise<WaitReason | null> {
  const resolved = nodeForTask(c.nodes, task.nodeId);
  const settings = resolved ? nodeSettings(resolved.node, c.doc) : null;
  const pool = poolOf(task.pool ?? settings?.pool);

  if (task.state === 'running') {
    // Suspended: holds no worker while it waits for something else.
    const state = task.suspendedState as { kind?: string; childRunId?: string } | null;
    const resuming = task.notBefore && task.notBefore <= c.now && task.queuedAt;
    if (resuming) return queueReason(c, pool, 'to resume');
    if (state?.kind === 'approval') {
      const message = (resolved?.node.config as { message?: string } | undefined)?.message;
      return {
        kind: 'approval',
        message: `Waiting for approval${message ? `: ${message}` : '.'}`,
        command: `npx pipewright approve ${task.flowRunId} ${task.nodeId}`,
        ...(task.notBefore ? { until: task.notBefore } : {}),
      };
    }
    if (state?.kind === 'subflow' && state.childRunId) {
      return {
        kind: 'subflow',
        message: 'Waiting for its subflow run to finish.',
        blockingRunId: state.childRunId,
      };
    }
    if (state?.kind === 'for-each') return forEachReason(c, task, pool);
    if (task.notBefore && task.notBefore > c.now) {
      return { kind: 'delay', message: 'Waiting (delay).', until: task.notBefore };
    }
    return { kind: 'suspended', message: task.stateReason ?? 'Waiting.' };
  }

  if (task.state === 'retrying') {
    if (task.notBefore && task.notBefore > c.now) {
      return {
        kind: 'retry-backoff',
        message: `Attempt ${task.attempt - 1} failed; waiting before attempt ${task.attempt} (retry backoff).`,
        until: task.notBefore,
      };
    }
    return queueReason(c, pool, `for attempt ${task.attempt}`);
  }

  // Pending.
  if (!task.readyAt) {
    const upstream = c.doc.edges
      .filter((e) => e.target === task.nodeId)
      .map((e) => e.source)
      .filter((id) => {
        const t = c.byNode.get(id);
        return !t || !isTerminalTaskState(t.state);
      });
    return {
      kind: 'upstream',
      message:
        upstream.length > 0
          ? `Waiting for ${upstream.map((id) => `"${id}"`).join(', ')} to finish.`
          : 'Waiting for upstream tasks.',
      upstreamNodeIds: upstream,
    };
  }
  if (!task.queuedAt) return slotReason(c, task, settings?.concurrencyTag ?? null);
  return queueReason(c, pool);
}

/** Its job is in the pool's queue: is anyone there to take it? */
function queueReason(c: Context, pool: string, what = ''): WaitReason {
  const capacity = c.pools.get(pool);
  const command =
    pool === 'default' ? 'npx pipewright worker' : `npx pipewright worker --pool ${pool}`;
  if (!capacity) {
    return {
      kind: 'no-worker',
      message: `No worker is online in pool ${pool}.`,
      command,
      pool,
    };
  }
  if (capacity.busy >= capacity.slots) {
    const n = capacity.workers;
    return {
      kind: 'workers-busy',
      message: `Queued${what ? ` ${what}` : ''}: the ${n === 1 ? 'worker' : `${n} workers`} of pool ${pool} ${n === 1 ? 'is' : 'are'} busy (${capacity.busy} of ${capacity.slots} slots in use).`,
      command,
      pool,
    };
  }
  return {
    kind: 'queued',
    message: `Queued${what ? ` ${what}` : ''} for a worker of pool ${pool}; it should start in a moment.`,
    pool,
  };
}

/** Ready but not queued: a concurrency limit holds it back. */
async function slotReason(c: Context, task: TaskRow, tag: string | null): Promise<WaitReason> {
  const max = c.doc.settings?.maxConcurrency;
  const holdersHere = c.tasks.filter((t) => t.holdsSlot);
  if (max !== undefined && holdersHere.length >= max) {
    const names = holdersHere.slice(0, HOLDERS_SHOWN).map((t) => `"${t.nodeId}"`);
    return {
      kind: 'concurrency',
      message: `Waiting for a concurrency slot: this flow runs at most ${max} task${max === 1 ? '' : 's'} at once, held by ${names.join(', ')}${holdersHere.length > names.length ? ' and others' : ''}.`,
      limit: { scope: 'flow', max, used: holdersHere.length },
      holders: holdersHere.slice(0, HOLDERS_SHOWN).map((t) => ({
        taskRunId: t.id,
        nodeId: t.nodeId,
        runId: t.flowRunId,
        flowName: c.flowName,
      })),
    };
  }
  if (tag) {
    if (!c.tagCache.has(tag)) c.tagCache.set(tag, await tagSlots(c.db, tag));
    const slots = c.tagCache.get(tag);
    if (slots && slots.used >= slots.max) {
      const other = slots.holders.find((h) => h.runId !== task.flowRunId) ?? slots.holders[0];
      const where = other
        ? other.runId === task.flowRunId
          ? ` by "${other.nodeId}" in this run`
          : ` by run ${other.runId.slice(0, 8)} (${other.flowName}, task "${other.nodeId}")`
        : '';
      return {
        kind: 'concurrency',
        message: `Waiting for a "${tag}" concurrency slot: ${slots.used} of ${slots.max} in use, held${where}${slots.used > 1 ? ' and others' : ''}.`,
        limit: { scope: 'tag', tag, max: slots.max, used: slots.used },
        holders: slots.holders,
        ...(other && other.runId !== task.flowRunId ? { blockingRunId: other.runId } : {}),
      };
    }
  }
  // Not over a limit any more: the next dispatch (at once, or the sweeper
  // within a second) queues it.
  return { kind: 'dispatching', message: task.stateReason ?? 'Ready; about to be queued.' };
}

async function tagSlots(db: DbOrTx, tag: string) {
  const [limit] = await db.select().from(concurrencyLimits).where(eq(concurrencyLimits.tag, tag));
  if (!limit) return null;
  const holders = await db
    .select({
      taskRunId: taskRuns.id,
      nodeId: taskRuns.nodeId,
      runId: taskRuns.flowRunId,
      flowName: flows.name,
    })
    .from(taskRuns)
    .innerJoin(flowRuns, eq(flowRuns.id, taskRuns.flowRunId))
    .innerJoin(flows, eq(flows.id, flowRuns.flowId))
    .where(and(eq(taskRuns.holdsSlot, true), eq(taskRuns.concurrencyTag, tag)))
    .orderBy(desc(taskRuns.queuedAt))
    .limit(HOLDERS_SHOWN);
  const [used] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(taskRuns)
    .where(and(eq(taskRuns.holdsSlot, true), eq(taskRuns.concurrencyTag, tag)));
  return { max: limit.maxRunning, used: used?.n ?? 0, holders };
}

/** A for-each waits on its items: explain the wait of the ones not running. */
function forEachReason(c: Context, task: TaskRow, pool: string): WaitReason | null {
  const items = c.items.get(task.id);
  if (!items) return { kind: 'for-each', message: task.stateReason ?? 'Waiting for its items.' };
  if (items.executing > 0) return null;
  if (items.queued > 0) return queueReason(c, pool, `(${items.queued} items)`);
  if (items.backoffUntil && items.backoffUntil > c.now) {
    return {
      kind: 'retry-backoff',
      message: 'Items failed and wait before their next attempt (retry backoff).',
      until: items.backoffUntil,
    };
  }
  if (items.unqueued > 0) {
    const limit =
      (c.nodes.get(task.nodeId)?.config as { concurrency?: number } | undefined)?.concurrency ??
      DEFAULT_FOR_EACH_CONCURRENCY;
    return {
      kind: 'dispatching',
      message: `${items.unqueued} items are ready; it runs at most ${limit} at once.`,
    };
  }
  return { kind: 'for-each', message: 'Collecting the results of its items.' };
}

/** Counts of a run's unfinished for-each items, by for-each. */
async function itemSummaries(db: DbOrTx, runId: string): Promise<Map<string, ItemSummary>> {
  const rows = await db
    .select({
      parent: taskRuns.parentTaskRunId,
      executing: sql<number>`count(*) filter (where ${taskRuns.state} = 'running')::int`,
      queued: sql<number>`count(*) filter (where ${taskRuns.queuedAt} is not null and (${taskRuns.state} = 'pending' or (${taskRuns.state} = 'retrying' and coalesce(${taskRuns.notBefore}, now()) <= now())))::int`,
      unqueued: sql<number>`count(*) filter (where ${taskRuns.state} = 'pending' and ${taskRuns.queuedAt} is null)::int`,
      backoffUntil: sql<
        string | null
      >`min(${taskRuns.notBefore}) filter (where ${taskRuns.state} = 'retrying' and ${taskRuns.notBefore} > now())`,
    })
    .from(taskRuns)
    .where(
      and(
        eq(taskRuns.flowRunId, runId),
        isNotNull(taskRuns.parentTaskRunId),
        inArray(taskRuns.state, ['pending', 'running', 'retrying']),
      ),
    )
    .groupBy(taskRuns.parentTaskRunId);
  return new Map(
    rows.map((r) => [
      r.parent!,
      {
        executing: r.executing,
        queued: r.queued,
        unqueued: r.unqueued,
        backoffUntil: r.backoffUntil ? new Date(r.backoffUntil) : null,
      },
    ]),
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
