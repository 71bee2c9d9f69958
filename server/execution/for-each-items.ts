import { type SQL, sql } from 'drizzle-orm';
import { queryPrepared, type Transaction, takeOpened } from '@/db/client';
import type { FlowNode } from '@/server/engine/document';
import { DEFAULT_FOR_EACH_CONCURRENCY } from '@/server/tasks/orchestration';
import { PLANNING_COLUMNS, type RawTaskRow, type TaskRow, toTaskRow } from './advance';

/**
 * A for-each's items (up to 10,000 task runs) never go through planning as
 * rows: every engine transaction of the run would read them all, so
 * finishing the last item of 10,000 would cost a thousand times the first.
 * Planning sees the run's graph tasks; items are reached here, through
 * indexes that make each question cost the same at 10 items or 10,000
 * (task_runs_item_*_idx).
 */

export function forEachConcurrency(node: FlowNode | undefined): number {
  return (
    (node?.config as { concurrency?: number } | undefined)?.concurrency ??
    DEFAULT_FOR_EACH_CONCURRENCY
  );
}

/** Graph tasks whose items are out: for-each tasks suspended on them. */
export function waitingForEachTasks(tasks: TaskRow[]): TaskRow[] {
  return tasks.filter(
    (task) =>
      !task.parentTaskRunId &&
      task.state === 'running' &&
      (task.suspendedState as { kind?: string } | null)?.kind === 'for-each',
  );
}

export interface ItemProgress {
  /** Some item is not finished (pending, running or retrying). */
  open: boolean;
  /** Some item failed, timed out or was cancelled. */
  failed: boolean;
  /** Items holding one of the for-each's slots (queued or running). */
  busy: number;
  /** Items not started yet, in order, as many as there are slots free: the next to dispatch. */
  next: TaskRow[];
}

/**
 * Where a for-each's items stand, and the next ones to dispatch into its
 * free slots (`concurrency` minus those busy), in one round trip.
 * Materialized: inlined, the busy count ran twice (once for the row, once
 * for the limit), each a scan that grows with the items' dead versions.
 */
export async function itemProgress(
  t: Transaction,
  parentId: string,
  concurrency: number,
): Promise<ItemProgress> {
  type Row = Omit<ItemProgress, 'next'> & { [K in keyof RawTaskRow]: RawTaskRow[K] | null };
  const { rows } = (takeOpened(t, itemProgressKey(parentId, concurrency)) ??
    (await queryPrepared<Row>(t.client, itemProgressStatement(parentId, concurrency)))) as {
    rows: Row[];
  };
  const { open, failed, busy } = rows[0]!;
  const next = rows.filter((row) => row.id !== null).map((row) => toTaskRow(row as RawTaskRow));
  return { open, failed, busy, next };
}

/**
 * The key under which a finishing transaction sends itemProgress's
 * statement with BEGIN (commitFinishes in attempt.ts: a batch of one
 * for-each's items, whose planning asks this first). Sent after the
 * completions, it sees them, as it would asked later: nothing between
 * changes an item. One round trip fewer while the run is locked.
 */
export function itemProgressKey(parentId: string, concurrency: number): string {
  return `item progress ${parentId} ${concurrency}`;
}

/**
 * itemProgress's statement. `open` and `failed` each have a partial index of
 * exactly those items (task_runs_item_open_idx, _failed_idx), so the
 * planner has no cheaper-looking way in; a plan test holds it to that.
 */
export function itemProgressStatement(parentId: string, concurrency: number): SQL {
  return sql`with progress as materialized (
      select
        exists(select 1 from task_runs where parent_task_run_id = ${parentId}
          and state in ('pending', 'running', 'retrying')) as open,
        exists(select 1 from task_runs where parent_task_run_id = ${parentId}
          and state in ('failed', 'timedout', 'cancelled')) as failed,
        (select count(*) from task_runs where parent_task_run_id = ${parentId}
          and parent_task_run_id is not null and holds_slot)::int as busy
    )
    select progress.*, next.* from progress left join lateral (
      select ${PLANNING_COLUMNS} from task_runs
      where parent_task_run_id = ${parentId} and parent_task_run_id is not null
        and state = 'pending' and queued_at is null
      order by item_index limit greatest(0, ${concurrency}::int - progress.busy)
    ) next on true`;
}

/** Some item of these for-each tasks still has an attempt out (running or retrying). */
export async function anyItemActive({ client }: Transaction, parentIds: string[]) {
  if (parentIds.length === 0) return false;
  const { rows } = await queryPrepared<{ active: boolean }>(
    client,
    sql`select exists(select 1 from task_runs where parent_task_run_id = any(${sql.param(parentIds)}::uuid[])
      and state in ('running', 'retrying')) as active`,
  );
  return rows[0]!.active;
}

/**
 * Cancels the items of these for-each tasks that have not started (and
 * suspended ones, which hold no worker). Items get no transition rows of
 * their own when cancelled in bulk: their for-each says why.
 */
export async function cancelWaitingItems(
  { tx }: Transaction,
  parentIds: string[],
  reason: string,
): Promise<void> {
  if (parentIds.length === 0) return;
  await tx.execute(sql`
    update task_runs set state = 'cancelled', state_reason = ${reason}, ended_at = now(),
      holds_slot = false, lease_expires_at = null
    where parent_task_run_id = any(${sql.param(parentIds)}::uuid[])
      and (state = 'pending' or (state = 'running' and suspended_state is not null))`);
}
