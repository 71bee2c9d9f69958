import type { LogLevel } from '@/db/schema';
import type { FlowRunState } from '@/server/engine/states';
import type { SandboxPool } from '@/server/sandbox';

/**
 * How a task type runs, on a worker. Kept apart from the browser-safe
 * definition (define.ts): this side may use Node APIs.
 */
export interface TaskRunContext<Config = Record<string, unknown>> {
  /** The node's config with every template resolved. */
  config: Config;
  /** Outputs of upstream nodes, by node id. */
  inputs: Record<string, unknown>;
  params: Record<string, unknown>;
  /** Aborted on timeout and on cancellation; stop promptly when it fires. */
  signal: AbortSignal;
  /** Milliseconds left before this attempt times out (null: no limit). */
  timeoutMs: number | null;
  log(level: LogLevel, message: string): void;
  sandbox: SandboxPool;
  /** Set when a suspended task (delay, approval, subflow) is resumed. */
  resumed?: { state: unknown; suspendedUntil: Date | null };
  ids: { flowRunId: string; taskRunId: string; nodeId: string; attempt: number };
  /** For a for-each item: the element and its position. */
  item?: { value: unknown; index: number };
  /** Runs of other flows started by this task (the subflow type). */
  childRuns: ChildRunService;
}

export interface ChildRunSummary {
  id: string;
  flowName: string;
  version: number;
  state: FlowRunState;
  stateReason: string | null;
  /** Outputs of the child's final tasks (those nothing depends on), by node id. */
  outputs: Record<string, unknown>;
}

export interface ChildRunService {
  /**
   * Starts a run of another flow (by id or name) as this task's child —
   * or, if this task already started one that has not finished (a retry
   * after a crash), returns that one instead of starting a second.
   */
  start(input: {
    flow: string;
    version?: number;
    params?: Record<string, unknown>;
  }): Promise<{ runId: string; adopted: boolean }>;
  get(runId: string): Promise<ChildRunSummary | null>;
}

export type TaskRunResult =
  | { output: unknown; branch?: string }
  /**
   * Run `items.length` copies of `task` as item tasks of this one (for-each);
   * the task is resumed with their results when all have finished.
   */
  | { fanOut: { items: unknown[]; reason: string } }
  /**
   * Pause without holding a worker: the task stays Running (waiting) and is
   * resumed at `until` (or when something resumes it), with `state`.
   */
  | { suspend: { until: Date | null; state?: unknown; reason: string } };

export interface TaskRunner<Config = Record<string, unknown>> {
  type: string;
  run(ctx: TaskRunContext<Config>): Promise<TaskRunResult>;
  /**
   * Set by a runner whose run has no effect but its result and its log
   * lines, and reads nothing but an EarlyRunContext (code: the sandbox has
   * no timers, network or I/O). The engine may then start it while the claim
   * of its attempt is being committed, and drops its result (aborting it) if
   * the claim does not commit.
   */
  early?: (ctx: EarlyRunContext<Config>) => Promise<TaskRunResult>;
}

/** What a runner that may start early reads: nothing that names or needs its task run. */
export type EarlyRunContext<Config = Record<string, unknown>> = Omit<
  TaskRunContext<Config>,
  'ids' | 'childRuns' | 'resumed'
>;

/** A failure that retrying cannot fix (bad config, a template error): fail at once. */
export class PermanentTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentTaskError';
  }
}

/** A task that ran out of time. */
export class TaskTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskTimeoutError';
  }
}
