import type PgBoss from 'pg-boss';
import type { Database, Transaction } from '@/db/client';
import type { Clock, ExecutionLimits } from '@/server/execution/deps';
import type { StartedHere } from '@/server/execution/handoff';
import type { TaskCatalog } from '@/server/tasks/catalog';
import type { TaskRunner } from '@/server/tasks/runner';

/**
 * The process-wide services, built once at start (server/boot.ts) and read
 * by route handlers. It sits on globalThis because Next.js bundles route
 * code separately from the server entry; both must see one instance.
 */
export interface Runtime {
  db: Database;
  boss: PgBoss;
  catalog: TaskCatalog;
  /** How each task type runs here: built-ins plus custom types. */
  runners: ReadonlyMap<string, TaskRunner<never>>;
  limits: ExecutionLimits;
  databaseUrl: string;
  /** Whether the database is the embedded one in the data directory. */
  embedded: boolean;
  /** Wakes this process's own workers for a queue without a NOTIFY round trip. */
  wakeLocal(queue: string): void;
  /** Set while a worker runs in this process: it takes starting runs' first tasks (EngineDeps). */
  handOffStart?: (t: Transaction) => StartedHere | null;
  startedAt: Date;
  /** What schedules take as now (tests pass a controllable clock); the system clock when absent. */
  clock?: Clock;
}

const KEY = Symbol.for('pipewright.runtime');
type Holder = { [KEY]?: Runtime };

export function setRuntime(runtime: Runtime | undefined): void {
  (globalThis as Holder)[KEY] = runtime;
}

export function getRuntime(): Runtime {
  const runtime = (globalThis as Holder)[KEY];
  if (!runtime) {
    throw new Error(
      'Pipewright is not started in this process: run it with `npm start` (server/main.ts).',
    );
  }
  return runtime;
}
