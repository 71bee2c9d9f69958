import { type SQL, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { BOSS_SCHEMA } from '@/server/worker/boss';
import { TASK_QUEUE } from './deps';

/** Tasks with no pool set, and workers started without `--pool`, use this pool. */
export const DEFAULT_POOL = 'default';

/** The pool a task runs in: the node's, else the flow's, else the default. */
export function poolOf(pool: string | null | undefined): string {
  return pool || DEFAULT_POOL;
}

/**
 * One pg-boss queue per pool, so a worker only ever fetches jobs it may run:
 * `task-attempt` for the default pool (the queue that always existed), and
 * `task-attempt.<pool>` for the others, created the first time a job is sent
 * to them or a worker of the pool starts.
 */
export function taskQueueFor(pool: string | null | undefined): string {
  const name = poolOf(pool);
  return name === DEFAULT_POOL ? TASK_QUEUE : `${TASK_QUEUE}.${name}`;
}

export function isTaskQueue(queue: string): boolean {
  return queue === TASK_QUEUE || queue.startsWith(`${TASK_QUEUE}.`);
}

/** taskQueueFor in SQL, over a pool column such as `tr.pool`. */
export function taskQueueSql(poolColumn: string): SQL {
  const column = sql.raw(poolColumn);
  return sql`(case when coalesce(${column}, ${DEFAULT_POOL}) = ${DEFAULT_POOL} then ${TASK_QUEUE} else ${`${TASK_QUEUE}.`} || ${column} end)`;
}

/** Queue options of every task queue (see server/worker/queues.ts for the default one). */
export const TASK_QUEUE_OPTIONS = { retryLimit: 0, retentionMinutes: 7 * 24 * 60 } as const;

/** Queues this process has seen committed: checking costs a round trip only once. */
const knownQueues = new Set<string>([TASK_QUEUE]);

/**
 * Makes sure a pool's queue exists before a job is sent to it (pg-boss drops
 * jobs for unknown queues). Done inside the sending transaction with
 * pg-boss's own `create_queue` function, so there is no second connection
 * waiting on ours; concurrent creators serialise on the queue's primary key.
 * Only a queue seen committed is remembered: if this transaction rolls back,
 * the next one checks again.
 */
export async function ensureTaskQueue({ tx }: Transaction, queue: string) {
  if (knownQueues.has(queue)) return;
  const found = await tx.execute(
    sql`select 1 from ${sql.raw(BOSS_SCHEMA)}.queue where name = ${queue}`,
  );
  if (found.rows.length > 0) {
    knownQueues.add(queue);
    return;
  }
  await tx.execute(
    sql`select ${sql.raw(BOSS_SCHEMA)}.create_queue(${queue}, ${JSON.stringify({ policy: 'standard', ...TASK_QUEUE_OPTIONS })}::json)`,
  );
}

/** For a process that created a queue outside any transaction (a worker starting). */
export function rememberTaskQueue(queue: string): void {
  knownQueues.add(queue);
}
