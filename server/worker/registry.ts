import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { workers } from '@/db/schema';
import packageJson from '@/package.json' with { type: 'json' };

/** How often a worker writes its heartbeat row. */
export const HEARTBEAT_MS = 10_000;
/** A worker silent this long is shown offline (and its pools count as empty). */
export const OFFLINE_AFTER_MS = 60_000;
/** Rows of workers stopped or silent this long are deleted. */
export const PRUNE_AFTER_MS = 7 * 24 * 3600 * 1000;

export interface WorkerRegistration {
  id: string;
  host: string;
  pid: number;
  version: string;
  pools: string[];
  concurrency: number;
}

/** Pipewright's version from package.json, as workers report it. */
export function pipewrightVersion(): string {
  return packageJson.version;
}

/**
 * Records a worker as started (or restarted: a reused id, after a pid wrap
 * or in tests, starts over as a fresh row).
 */
export async function registerWorker(db: Database, worker: WorkerRegistration): Promise<void> {
  const values = { ...worker, runningTasks: 0, stoppedAt: null };
  await db
    .insert(workers)
    .values(values)
    .onConflictDoUpdate({
      target: workers.id,
      set: { ...values, startedAt: sql`now()`, lastHeartbeatAt: sql`now()` },
    });
}

/**
 * The worker is alive and running `runningTasks` attempts. Recreates its row
 * if it is gone (a restored database, say), so a live worker is never missing
 * from the list; a row marked stopped stays stopped.
 */
export async function heartbeatWorker(
  db: Database,
  worker: WorkerRegistration,
  runningTasks: number,
): Promise<void> {
  const updated = await db
    .update(workers)
    .set({ lastHeartbeatAt: sql`now()`, runningTasks })
    .where(and(eq(workers.id, worker.id), isNull(workers.stoppedAt)))
    .returning({ id: workers.id });
  if (updated.length === 0) {
    await db
      .insert(workers)
      .values({ ...worker, runningTasks })
      .onConflictDoNothing({ target: workers.id });
  }
}

/** A graceful stop: the worker is offline at once, not after the silence threshold. */
export async function markWorkerStopped(db: Database, id: string): Promise<void> {
  await db
    .update(workers)
    .set({ stoppedAt: sql`now()`, runningTasks: 0 })
    .where(and(eq(workers.id, id), isNull(workers.stoppedAt)));
}

/** Deletes workers stopped or silent for longer than `afterMs`. */
export async function pruneDeadWorkers(db: Database, afterMs = PRUNE_AFTER_MS): Promise<number> {
  const cutoff = sql`now() - ${afterMs} * interval '1 millisecond'`;
  const deleted = await db
    .delete(workers)
    .where(or(lt(workers.stoppedAt, cutoff), lt(workers.lastHeartbeatAt, cutoff)))
    .returning({ id: workers.id });
  return deleted.length;
}
