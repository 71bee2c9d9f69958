import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { runTransitions } from '@/db/schema';

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
