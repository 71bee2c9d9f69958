import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { runTransitions } from '@/db/schema';
import { RUN_CHANNEL } from './deps';

export interface TransitionRecord {
  flowRunId: string;
  taskRunId?: string | null;
  fromState: string | null;
  toState: string;
  attempt?: number | null;
  reason?: string | null;
}

/** Keeps the history the run page's timeline is drawn from. */
export async function recordTransitions(tx: DbOrTx, records: TransitionRecord[]): Promise<void> {
  if (records.length === 0) return;
  await tx.insert(runTransitions).values(
    records.map((r) => ({
      flowRunId: r.flowRunId,
      taskRunId: r.taskRunId ?? null,
      fromState: r.fromState,
      toState: r.toState,
      attempt: r.attempt ?? null,
      reason: r.reason ?? null,
    })),
  );
}

/** Wakes every process's workers for `queue` when this transaction commits. */
export async function notifyOnCommit(tx: DbOrTx, channel: string, payload: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel}, ${payload})`);
}

export type Notification = [channel: string, payload: string];

/**
 * Writes transitions and sends NOTIFYs (delivered at commit) in ONE round
 * trip: this runs after every task, so each saved round trip is latency a
 * user feels between tasks. Every run with a transition here is announced
 * on RUN_CHANNEL (`{ runId }`), which live run pages follow.
 */
export async function flushTransitions(
  tx: DbOrTx,
  records: TransitionRecord[],
  notifications: Notification[],
): Promise<void> {
  const statement = transitionsStatement(records, notifications);
  if (statement) await tx.execute(statement);
}

/**
 * flushTransitions' one statement; null when there is nothing to write or
 * send. Its text is the same however many rows and NOTIFYs it carries (they
 * are arrays), so sent with COMMIT, as a named statement, it is parsed once
 * per connection. The rows are inserted in order, so the ids keep it.
 */
export function transitionsStatement(
  records: TransitionRecord[],
  notifications: Notification[],
): SQL | null {
  if (records.length === 0 && notifications.length === 0) return null;
  const announced: Notification[] = [...new Set(records.map((r) => r.flowRunId))].map((runId) => [
    RUN_CHANNEL,
    JSON.stringify({ runId }),
  ]);
  return sql`with written as (
      insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, attempt, reason)
      select flow_run_id, task_run_id, from_state, to_state, attempt, reason
      from ${transitionsFromArrays(records)}
      order by ord
    )
    select pg_notify(n.channel, n.payload) from ${notificationsFromArrays([...notifications, ...announced])}`;
}

/**
 * Transition records as rows of a fixed-text statement, from one array per
 * column: `r(flow_run_id, task_run_id, from_state, to_state, attempt,
 * reason, ord)`, `ord` giving their order. Whatever their number, the text
 * is the same, so a named statement is parsed once per connection.
 */
export function transitionsFromArrays(records: TransitionRecord[]): SQL {
  const column = <T>(pick: (r: TransitionRecord) => T) => sql.param(records.map(pick));
  return sql`unnest(${column((r) => r.flowRunId)}::uuid[], ${column((r) => r.taskRunId ?? null)}::uuid[],
      ${column((r) => r.fromState)}::text[], ${column((r) => r.toState)}::text[],
      ${column((r) => r.attempt ?? null)}::int[], ${column((r) => r.reason ?? null)}::text[])
    with ordinality as r(flow_run_id, task_run_id, from_state, to_state, attempt, reason, ord)`;
}

/** NOTIFYs as rows `n(channel, payload)` of a fixed-text statement, from two arrays. */
export function notificationsFromArrays(notifications: Notification[]): SQL {
  return sql`unnest(${sql.param(notifications.map(([channel]) => channel))}::text[],
      ${sql.param(notifications.map(([, payload]) => payload))}::text[]) as n(channel, payload)`;
}
