import { desc, getTableColumns, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { workers } from '@/db/schema';
import { OFFLINE_AFTER_MS } from './registry';

export interface ListWorkersOptions {
  /** Silence after which a worker counts as offline (tests shorten it). */
  offlineAfterMs?: number;
}

const onlineSql = (offlineAfterMs: number) =>
  sql<boolean>`(${workers.stoppedAt} is null and ${workers.lastHeartbeatAt} > now() - ${offlineAfterMs} * interval '1 millisecond')`;

/**
 * Attempts a worker holds right now, from the task runs themselves: more
 * current than the count its last heartbeat reported. Suspended tasks
 * (delay, approval, subflow) hold no worker.
 */
const runningSql = sql<number>`(select count(*)::int from task_runs tr
  where tr.worker_id = "workers"."id" and tr.state = 'running' and tr.suspended_state is null)`;

/** Every known worker, online ones first, newest first. */
export async function listWorkers(db: DbOrTx, options: ListWorkersOptions = {}) {
  const offlineAfterMs = options.offlineAfterMs ?? OFFLINE_AFTER_MS;
  const rows = await db
    .select({
      ...getTableColumns(workers),
      online: onlineSql(offlineAfterMs),
      runningNow: runningSql,
    })
    .from(workers)
    .orderBy(desc(onlineSql(offlineAfterMs)), desc(workers.startedAt), workers.id);
  return rows.map(({ runningNow, ...row }) => ({
    ...row,
    // A stopped worker runs nothing; a dead one may still be named on tasks
    // until the sweeper notices their leases lapsed.
    runningTasks: row.stoppedAt ? 0 : runningNow,
  }));
}

export type WorkerListItem = Awaited<ReturnType<typeof listWorkers>>[number];

export interface PoolCapacity {
  workers: number;
  /** Sum of the online workers' concurrency. */
  slots: number;
  /** Attempts those workers are running. */
  busy: number;
}

/** Online workers per pool they serve (a worker serving two pools counts in both). */
export async function onlinePools(
  db: DbOrTx,
  options: ListWorkersOptions = {},
): Promise<Map<string, PoolCapacity>> {
  const offlineAfterMs = options.offlineAfterMs ?? OFFLINE_AFTER_MS;
  const rows = await db
    .select({ pools: workers.pools, concurrency: workers.concurrency, busy: runningSql })
    .from(workers)
    .where(onlineSql(offlineAfterMs));
  const pools = new Map<string, PoolCapacity>();
  for (const row of rows) {
    for (const pool of row.pools) {
      const entry = pools.get(pool) ?? { workers: 0, slots: 0, busy: 0 };
      entry.workers++;
      entry.slots += row.concurrency;
      entry.busy += row.busy;
      pools.set(pool, entry);
    }
  }
  return pools;
}
