import type pg from 'pg';
import {
  canTransitionFlow,
  canTransitionTask,
  type FlowRunState,
  isTerminalFlowState,
  isTerminalTaskState,
  type TaskRunState,
} from '@/server/engine/states';
import { DEFAULT_FOR_EACH_CONCURRENCY } from '@/server/tasks/orchestration';

/**
 * The fault-injection suite's judge. It reads what the engine wrote — runs,
 * task runs, attempts, every transition — and says which of the engine's
 * promises were broken, whatever the scenario did to get there. The checks
 * are pure functions over a `History`, so they are unit-tested on
 * hand-made histories (checker.test.ts) and cannot pass by accident.
 */

export interface RunRecord {
  id: string;
  state: FlowRunState;
  createdAt: Date;
  endedAt: Date | null;
  /** The flow's `settings.maxConcurrency` (null: unlimited). */
  maxConcurrency: number | null;
}

export interface TaskRecord {
  id: string;
  flowRunId: string;
  nodeId: string;
  state: TaskRunState;
  attempt: number;
  holdsSlot: boolean;
  concurrencyTag: string | null;
  /** Set on for-each items: the for-each task run. */
  parentTaskRunId: string | null;
  /** For a for-each task run: how many of its items may run at once. */
  itemConcurrency: number | null;
  suspended: boolean;
  leaseExpiresAt: Date | null;
}

export interface AttemptRecord {
  taskRunId: string;
  attempt: number;
  state: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface TransitionRecord {
  id: number;
  flowRunId: string;
  /** Null for the flow run's own transitions. */
  taskRunId: string | null;
  fromState: string | null;
  toState: string;
  attempt: number | null;
}

export interface History {
  runs: RunRecord[];
  tasks: TaskRecord[];
  attempts: AttemptRecord[];
  transitions: TransitionRecord[];
  /** concurrency_limits: tag → max running. */
  tagLimits: Map<string, number>;
  /** The database's clock when the history was read. */
  readAt: Date;
}

export type Invariant =
  | 'run-not-terminal'
  | 'run-over-bound'
  | 'orphaned-task'
  | 'completed-twice'
  | 'terminal-overwritten'
  | 'illegal-transition'
  | 'concurrency-exceeded'
  | 'slot-leaked'
  | 'attempts-overlap'
  | 'dead-owner';

export interface Violation {
  invariant: Invariant;
  message: string;
  runId?: string;
  taskRunId?: string;
}

export interface CheckOptions {
  /** Every run must be terminal (the scenario is over). Default true. */
  settled?: boolean;
  /** A run must end within this many ms of being created. */
  runBoundMs?: number;
  /** Only these runs (and their tasks) are judged; default all. */
  runIds?: ReadonlySet<string>;
}

/** A lease lapsed this long ago with nobody recovering it means the sweeper missed it. */
const DEAD_OWNER_GRACE_MS = 15_000;

export function checkHistory(history: History, options: CheckOptions = {}): Violation[] {
  const settled = options.settled ?? true;
  const keep = (runId: string) => !options.runIds || options.runIds.has(runId);
  const runs = history.runs.filter((r) => keep(r.id));
  const tasks = history.tasks.filter((t) => keep(t.flowRunId));
  const taskIds = new Set(tasks.map((t) => t.id));
  const attempts = history.attempts.filter((a) => taskIds.has(a.taskRunId));
  const transitions = history.transitions
    .filter((t) => keep(t.flowRunId))
    .sort((a, b) => a.id - b.id);
  const runById = new Map(runs.map((r) => [r.id, r]));
  const out: Violation[] = [];

  // Every accepted run ends, within its bound; a finished run leaves nothing behind.
  for (const run of runs) {
    if (settled && !isTerminalFlowState(run.state)) {
      out.push({
        invariant: 'run-not-terminal',
        runId: run.id,
        message: `run ${run.id} is still ${run.state}`,
      });
    }
    if (options.runBoundMs !== undefined) {
      const end = run.endedAt ?? history.readAt;
      const took = end.getTime() - run.createdAt.getTime();
      if (took > options.runBoundMs) {
        out.push({
          invariant: 'run-over-bound',
          runId: run.id,
          message: `run ${run.id} took ${took} ms (bound ${options.runBoundMs} ms)${run.endedAt ? '' : ', not ended'}`,
        });
      }
    }
  }
  for (const task of tasks) {
    const run = runById.get(task.flowRunId);
    if (run && isTerminalFlowState(run.state) && !isTerminalTaskState(task.state)) {
      out.push({
        invariant: 'orphaned-task',
        runId: run.id,
        taskRunId: task.id,
        message: `task ${task.nodeId} of ${run.state} run ${run.id} is still ${task.state}`,
      });
    }
    if (
      task.holdsSlot &&
      (isTerminalTaskState(task.state) || (run && isTerminalFlowState(run.state)))
    ) {
      out.push({
        invariant: 'slot-leaked',
        runId: task.flowRunId,
        taskRunId: task.id,
        message: `task ${task.nodeId} (${task.state}) of run ${task.flowRunId} still holds a concurrency slot`,
      });
    }
    if (
      settled &&
      task.state === 'running' &&
      !task.suspended &&
      task.leaseExpiresAt &&
      history.readAt.getTime() - task.leaseExpiresAt.getTime() > DEAD_OWNER_GRACE_MS
    ) {
      out.push({
        invariant: 'dead-owner',
        runId: task.flowRunId,
        taskRunId: task.id,
        message: `task ${task.nodeId} of run ${task.flowRunId} is Running on a lease that lapsed at ${task.leaseExpiresAt.toISOString()} and nobody recovered it`,
      });
    }
  }

  out.push(...checkTransitions(transitions, tasks, runs));
  out.push(...checkOutputs(transitions, tasks, attempts));
  out.push(...checkAttempts(attempts, tasks));
  out.push(...checkConcurrency(history, runs, tasks, attempts));
  return out;
}

/** Terminal states are final; every step is one the state machine allows. */
function checkTransitions(
  transitions: TransitionRecord[],
  tasks: TaskRecord[],
  runs: RunRecord[],
): Violation[] {
  const out: Violation[] = [];
  const last = new Map<string, TransitionRecord>();
  for (const tr of transitions) {
    const key = tr.taskRunId ?? `run:${tr.flowRunId}`;
    const isTask = tr.taskRunId !== null;
    const terminal = (s: string) =>
      isTask ? isTerminalTaskState(s as TaskRunState) : isTerminalFlowState(s as FlowRunState);
    const what = isTask ? `task run ${tr.taskRunId}` : `flow run ${tr.flowRunId}`;
    const previous = last.get(key);
    if (previous && terminal(previous.toState)) {
      out.push({
        invariant: 'terminal-overwritten',
        runId: tr.flowRunId,
        taskRunId: tr.taskRunId ?? undefined,
        message: `${what} went ${tr.fromState ?? '∅'} → ${tr.toState} after it had ended ${previous.toState} (transition ${tr.id})`,
      });
    } else if (tr.fromState !== null && terminal(tr.fromState)) {
      out.push({
        invariant: 'terminal-overwritten',
        runId: tr.flowRunId,
        taskRunId: tr.taskRunId ?? undefined,
        message: `${what} left terminal state ${tr.fromState} for ${tr.toState} (transition ${tr.id})`,
      });
    } else if (tr.fromState !== null) {
      const legal = isTask
        ? canTransitionTask(tr.fromState as TaskRunState, tr.toState as TaskRunState)
        : canTransitionFlow(tr.fromState as FlowRunState, tr.toState as FlowRunState);
      if (!legal) {
        out.push({
          invariant: 'illegal-transition',
          runId: tr.flowRunId,
          taskRunId: tr.taskRunId ?? undefined,
          message: `${what} went ${tr.fromState} → ${tr.toState}, which the state machine forbids (transition ${tr.id})`,
        });
      }
    }
    last.set(key, tr);
  }
  // The row agrees with its history: a terminal transition is where it stayed.
  const current = new Map<string, string>([
    ...tasks.map((t) => [t.id, t.state] as const),
    ...runs.map((r) => [`run:${r.id}`, r.state] as const),
  ]);
  for (const [key, tr] of last) {
    const state = current.get(key);
    const isTask = tr.taskRunId !== null;
    const terminal = isTask
      ? isTerminalTaskState(tr.toState as TaskRunState)
      : isTerminalFlowState(tr.toState as FlowRunState);
    if (state !== undefined && terminal && state !== tr.toState) {
      out.push({
        invariant: 'terminal-overwritten',
        runId: tr.flowRunId,
        taskRunId: tr.taskRunId ?? undefined,
        message: `${isTask ? `task run ${tr.taskRunId}` : `flow run ${tr.flowRunId}`} ended ${tr.toState} but is now ${state}`,
      });
    }
  }
  return out;
}

/** One output per task: one transition into Completed/Cached, from the attempt that holds the claim. */
function checkOutputs(
  transitions: TransitionRecord[],
  tasks: TaskRecord[],
  attempts: AttemptRecord[],
): Violation[] {
  const out: Violation[] = [];
  const successes = new Map<string, TransitionRecord[]>();
  for (const tr of transitions) {
    if (!tr.taskRunId || (tr.toState !== 'completed' && tr.toState !== 'cached')) continue;
    successes.set(tr.taskRunId, [...(successes.get(tr.taskRunId) ?? []), tr]);
  }
  const completedAttempts = new Map<string, AttemptRecord[]>();
  for (const a of attempts) {
    if (a.state !== 'completed') continue;
    completedAttempts.set(a.taskRunId, [...(completedAttempts.get(a.taskRunId) ?? []), a]);
  }
  for (const task of tasks) {
    const committed = successes.get(task.id) ?? [];
    if (committed.length > 1) {
      out.push({
        invariant: 'completed-twice',
        runId: task.flowRunId,
        taskRunId: task.id,
        message: `task ${task.nodeId} of run ${task.flowRunId} committed an output ${committed.length} times (attempts ${committed.map((c) => c.attempt).join(', ')})`,
      });
    }
    const done = completedAttempts.get(task.id) ?? [];
    if (done.length > 1) {
      out.push({
        invariant: 'completed-twice',
        runId: task.flowRunId,
        taskRunId: task.id,
        message: `task ${task.nodeId} of run ${task.flowRunId} has ${done.length} completed attempts (${done.map((d) => d.attempt).join(', ')})`,
      });
    }
    const writer = done[0];
    if (task.state === 'completed' && writer && writer.attempt !== task.attempt) {
      out.push({
        invariant: 'completed-twice',
        runId: task.flowRunId,
        taskRunId: task.id,
        message: `task ${task.nodeId} of run ${task.flowRunId} holds attempt ${task.attempt} but its output came from attempt ${writer.attempt}`,
      });
    }
  }
  return out;
}

/** At most one attempt of a task at a time, and none left open once the task ended. */
function checkAttempts(attempts: AttemptRecord[], tasks: TaskRecord[]): Violation[] {
  const out: Violation[] = [];
  const taskById = new Map(tasks.map((t) => [t.id, t]));
  const byTask = new Map<string, AttemptRecord[]>();
  for (const a of attempts) byTask.set(a.taskRunId, [...(byTask.get(a.taskRunId) ?? []), a]);
  for (const [taskRunId, list] of byTask) {
    const task = taskById.get(taskRunId);
    list.sort((a, b) => a.attempt - b.attempt);
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      const beforeEnd = before.endedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      if (after.startedAt.getTime() < beforeEnd) {
        out.push({
          invariant: 'attempts-overlap',
          runId: task?.flowRunId,
          taskRunId,
          message: `task ${task?.nodeId ?? taskRunId}: attempt ${after.attempt} started at ${after.startedAt.toISOString()} while attempt ${before.attempt} ran (${before.endedAt ? `until ${before.endedAt.toISOString()}` : 'never closed'})`,
        });
      }
    }
    if (task && isTerminalTaskState(task.state)) {
      for (const a of list) {
        if (a.endedAt === null || a.state === 'running') {
          out.push({
            invariant: 'attempts-overlap',
            runId: task.flowRunId,
            taskRunId,
            message: `task ${task.nodeId} is ${task.state} but its attempt ${a.attempt} is still open (${a.state})`,
          });
        }
      }
    }
  }
  return out;
}

interface Interval {
  start: number;
  end: number;
  label: string;
}

/** The most intervals open at one instant (an end at t comes before a start at t). */
function peak(intervals: Interval[]): { count: number; at: number; labels: string[] } {
  const events = intervals.flatMap((iv) => [
    { t: iv.start, d: 1, iv },
    { t: iv.end, d: -1, iv },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  const open = new Set<Interval>();
  let best = { count: 0, at: 0, labels: [] as string[] };
  for (const e of events) {
    if (e.d === 1) open.add(e.iv);
    else open.delete(e.iv);
    if (open.size > best.count) {
      best = { count: open.size, at: e.t, labels: [...open].map((iv) => iv.label) };
    }
  }
  return best;
}

/**
 * Running attempts are reconstructed as [started, ended) intervals; a slot
 * is held at least that long, so more of them at once than a limit allows
 * is a limit exceeded (per run's maxConcurrency, per tag across runs, per
 * for-each's item concurrency).
 */
function checkConcurrency(
  history: History,
  runs: RunRecord[],
  tasks: TaskRecord[],
  attempts: AttemptRecord[],
): Violation[] {
  const out: Violation[] = [];
  const taskById = new Map(tasks.map((t) => [t.id, t]));
  const horizon = history.readAt.getTime();
  const intervalsOf = (filter: (t: TaskRecord) => boolean): Interval[] =>
    attempts.flatMap((a) => {
      const task = taskById.get(a.taskRunId);
      if (!task || !filter(task)) return [];
      return [
        {
          start: a.startedAt.getTime(),
          end: a.endedAt?.getTime() ?? horizon,
          label: `${task.flowRunId.slice(0, 8)}/${task.nodeId}#${a.attempt}`,
        },
      ];
    });

  for (const run of runs) {
    if (run.maxConcurrency === null) continue;
    const p = peak(intervalsOf((t) => t.flowRunId === run.id && t.parentTaskRunId === null));
    if (p.count > run.maxConcurrency) {
      out.push({
        invariant: 'concurrency-exceeded',
        runId: run.id,
        message: `run ${run.id} ran ${p.count} tasks at once at ${new Date(p.at).toISOString()} (maxConcurrency ${run.maxConcurrency}): ${p.labels.join(', ')}`,
      });
    }
  }
  for (const [tag, limit] of history.tagLimits) {
    const p = peak(intervalsOf((t) => t.concurrencyTag === tag));
    if (p.count > limit) {
      out.push({
        invariant: 'concurrency-exceeded',
        message: `tag "${tag}" had ${p.count} tasks running at once at ${new Date(p.at).toISOString()} (limit ${limit}): ${p.labels.join(', ')}`,
      });
    }
  }
  for (const parent of tasks) {
    if (parent.itemConcurrency === null) continue;
    const p = peak(intervalsOf((t) => t.parentTaskRunId === parent.id));
    if (p.count > parent.itemConcurrency) {
      out.push({
        invariant: 'concurrency-exceeded',
        runId: parent.flowRunId,
        taskRunId: parent.id,
        message: `for-each ${parent.nodeId} of run ${parent.flowRunId} ran ${p.count} items at once (concurrency ${parent.itemConcurrency})`,
      });
    }
  }
  return out;
}

/** Reads everything the checker judges, in one snapshot (repeatable read). */
export async function loadHistory(pool: pg.Pool, runIds?: readonly string[]): Promise<History> {
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const only = runIds ? runIds : null;
    const runs = await client.query<{
      id: string;
      state: FlowRunState;
      created_at: Date;
      ended_at: Date | null;
      max_concurrency: number | null;
    }>(
      `select fr.id, fr.state, fr.created_at, fr.ended_at,
         (fv.document->'settings'->>'maxConcurrency')::int as max_concurrency
       from flow_runs fr join flow_versions fv on fv.id = fr.flow_version_id
       where $1::uuid[] is null or fr.id = any($1::uuid[])`,
      [only],
    );
    const tasks = await client.query<{
      id: string;
      flow_run_id: string;
      node_id: string;
      state: TaskRunState;
      attempt: number;
      holds_slot: boolean;
      concurrency_tag: string | null;
      parent_task_run_id: string | null;
      node_type: string;
      item_concurrency: number | null;
      suspended: boolean;
      lease_expires_at: Date | null;
    }>(
      `select tr.id, tr.flow_run_id, tr.node_id, tr.state, tr.attempt, tr.holds_slot,
         tr.concurrency_tag, tr.parent_task_run_id, tr.node_type,
         (select (n->'config'->>'concurrency')::int
            from jsonb_array_elements(fv.document->'nodes') n
            where n->>'id' = tr.node_id) as item_concurrency,
         tr.suspended_state is not null as suspended, tr.lease_expires_at
       from task_runs tr
       join flow_runs fr on fr.id = tr.flow_run_id
       join flow_versions fv on fv.id = fr.flow_version_id
       where $1::uuid[] is null or tr.flow_run_id = any($1::uuid[])`,
      [only],
    );
    const attempts = await client.query<{
      task_run_id: string;
      attempt: number;
      state: string;
      started_at: Date;
      ended_at: Date | null;
    }>(
      `select a.task_run_id, a.attempt, a.state, a.started_at, a.ended_at
       from task_attempts a join task_runs tr on tr.id = a.task_run_id
       where $1::uuid[] is null or tr.flow_run_id = any($1::uuid[])`,
      [only],
    );
    const transitions = await client.query<{
      id: number;
      flow_run_id: string;
      task_run_id: string | null;
      from_state: string | null;
      to_state: string;
      attempt: number | null;
    }>(
      `select id::float8 as id, flow_run_id, task_run_id, from_state, to_state, attempt
       from run_transitions where $1::uuid[] is null or flow_run_id = any($1::uuid[])
       order by id`,
      [only],
    );
    const limits = await client.query<{ tag: string; max_running: number }>(
      'select tag, max_running from concurrency_limits',
    );
    const now = await client.query<{ now: Date }>('select clock_timestamp() as now');
    await client.query('commit');
    return {
      runs: runs.rows.map((r) => ({
        id: r.id,
        state: r.state,
        createdAt: r.created_at,
        endedAt: r.ended_at,
        maxConcurrency: r.max_concurrency,
      })),
      tasks: tasks.rows.map((t) => ({
        id: t.id,
        flowRunId: t.flow_run_id,
        nodeId: t.node_id,
        state: t.state,
        attempt: t.attempt,
        holdsSlot: t.holds_slot,
        concurrencyTag: t.concurrency_tag,
        parentTaskRunId: t.parent_task_run_id,
        itemConcurrency:
          t.node_type === 'for-each' ? (t.item_concurrency ?? DEFAULT_FOR_EACH_CONCURRENCY) : null,
        suspended: t.suspended,
        leaseExpiresAt: t.lease_expires_at,
      })),
      attempts: attempts.rows.map((a) => ({
        taskRunId: a.task_run_id,
        attempt: a.attempt,
        state: a.state,
        startedAt: a.started_at,
        endedAt: a.ended_at,
      })),
      transitions: transitions.rows.map((t) => ({
        id: t.id,
        flowRunId: t.flow_run_id,
        taskRunId: t.task_run_id,
        fromState: t.from_state,
        toState: t.to_state,
        attempt: t.attempt,
      })),
      tagLimits: new Map(limits.rows.map((l) => [l.tag, l.max_running])),
      readAt: now.rows[0]!.now,
    };
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** One line per violation, grouped by invariant, for a scenario's failure message. */
export function describeViolations(violations: Violation[], max = 20): string {
  if (violations.length === 0) return 'no violations';
  const lines = violations.slice(0, max).map((v) => `  [${v.invariant}] ${v.message}`);
  if (violations.length > max) lines.push(`  … and ${violations.length - max} more`);
  return `${violations.length} invariant violation(s):\n${lines.join('\n')}`;
}
