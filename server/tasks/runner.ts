import type { LogLevel } from '@/db/schema';
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
}

export type TaskRunResult =
  | { output: unknown; branch?: string }
  /**
   * Pause without holding a worker: the task stays Running (waiting) and is
   * resumed at `until` (or when something resumes it), with `state`.
   */
  | { suspend: { until: Date | null; state?: unknown; reason: string } };

export interface TaskRunner<Config = Record<string, unknown>> {
  type: string;
  run(ctx: TaskRunContext<Config>): Promise<TaskRunResult>;
}

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
