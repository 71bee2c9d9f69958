import type PgBoss from 'pg-boss';
import type { Database, Transaction } from '@/db/client';
import type { SandboxPool } from '@/server/sandbox';
import type { TaskCatalog } from '@/server/tasks/catalog';
import type { TaskRunner } from '@/server/tasks/runner';
import type { StartedHere } from './handoff';

export interface ExecutionLimits {
  /** A task's output over this many bytes of JSON fails the task. */
  maxOutputBytes: number;
  /** Log lines kept per task attempt; one more line says the rest was dropped. */
  maxLogLinesPerAttempt: number;
  /** How long a running attempt's lease lasts without a heartbeat. */
  leaseMs: number;
  /** Attempts lost to dead workers that are retried on top of the node's own retries. */
  maxCrashRetries: number;
}

export const defaultLimits: ExecutionLimits = {
  maxOutputBytes: 1024 * 1024,
  maxLogLinesPerAttempt: 10_000,
  leaseMs: 10_000,
  maxCrashRetries: 3,
};

/**
 * What the execution engine needs, passed in (never imported) so the web
 * process, workers and tests drive the same code.
 */
export interface EngineDeps {
  db: Database;
  boss: PgBoss;
  catalog: TaskCatalog;
  limits: ExecutionLimits;
  /** Pokes this process's own workers (no NOTIFY round trip). */
  wakeLocal(queue: string): void;
  /**
   * A worker of this process offering to take a starting run's first tasks
   * in the start's transaction `t` (StartedHere); null when none runs here.
   */
  handOffStart(t: Transaction): StartedHere | null;
}

/**
 * pg-boss only looks for delayed jobs when it polls; a process that
 * schedules one (a retry backoff, a delay) pokes its own workers when it is
 * due, so the wait is what the user asked for, not that plus a poll.
 */
export function wakeLocalAt(deps: EngineDeps, queue: string, at: Date): void {
  const timer = setTimeout(() => deps.wakeLocal(queue), Math.max(0, at.getTime() - Date.now()) + 5);
  timer.unref();
}

export interface WorkerDeps extends EngineDeps {
  runners: ReadonlyMap<string, TaskRunner<never>>;
  sandbox: SandboxPool;
  workerId: string;
  log(line: string): void;
}

/**
 * The scheduler's "now": the system clock in production, a controllable one
 * in tests (slots, lateness and catch-up are all decided against it).
 */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const TASK_QUEUE = 'task-attempt';
export const CANCEL_CHANNEL = 'pipewright_cancel';
/** Run state changes, for live pages (payload: { runId, state }). */
export const RUN_CHANNEL = 'pipewright_run';
