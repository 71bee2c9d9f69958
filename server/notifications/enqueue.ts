import { createHash, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { bossDb, type Database, inTransaction, type Transaction } from '@/db/client';
import { flowNotifications, type NotificationEvent } from '@/db/schema';
import { env } from '@/server/env';
import { WAKE_CHANNEL } from '@/server/worker/wake';
import { NOTIFICATION_QUEUE, type NotificationJob } from './queue';

/** How long one delivery attempt may take before pg-boss gives up on it. */
const DELIVERY_EXPIRE_SECONDS = 60;

/**
 * The same (subscription, run, event) always gets the same job id, and
 * pg-boss inserts with ON CONFLICT DO NOTHING: enqueuing twice (a caller's
 * retry, a repeated late check) sends one message.
 */
function deliveryJobId(notificationId: string, key: string, event: NotificationEvent): string {
  const h = createHash('sha256').update(`${notificationId}:${key}:${event}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface RunNotificationInput {
  flowId: string;
  /** The run the message is about (its link); null for a late schedule with no run yet. */
  runId: string | null;
  event: NotificationEvent;
  /** Extra words for the message (why a run is late). */
  detail?: string | null;
  /** Deduplicates deliveries when there is no run id (e.g. the late slot's time). */
  dedupeKey?: string;
}

/**
 * Queues one delivery job per subscription of the flow to `event`, inside
 * the caller's transaction (pg-boss writes its job through the same
 * connection): if the transaction that ended the run commits, the jobs
 * exist; if it rolls back, they do not. Returns how many were queued.
 */
export async function enqueueRunNotifications(
  t: Transaction,
  boss: PgBoss,
  input: RunNotificationInput,
): Promise<number> {
  const subscribers = await t.tx
    .select({ id: flowNotifications.id })
    .from(flowNotifications)
    .where(
      and(
        eq(flowNotifications.flowId, input.flowId),
        sql`${input.event} = any(${flowNotifications.events})`,
      ),
    );
  if (subscribers.length === 0) return 0;
  const config = env();
  const key = input.runId ?? input.dedupeKey ?? randomUUID();
  for (const { id } of subscribers) {
    const job: NotificationJob = {
      notificationId: id,
      flowId: input.flowId,
      event: input.event,
      runId: input.runId,
      detail: input.detail ?? null,
    };
    await boss.send(NOTIFICATION_QUEUE, job, {
      id: deliveryJobId(id, key, input.event),
      db: bossDb(t.client),
      retryLimit: config.PIPEWRIGHT_NOTIFY_RETRIES,
      retryDelay: config.PIPEWRIGHT_NOTIFY_RETRY_DELAY,
      retryBackoff: true,
      expireInSeconds: DELIVERY_EXPIRE_SECONDS,
    });
  }
  await t.tx.execute(sql`select pg_notify(${WAKE_CHANNEL}, ${NOTIFICATION_QUEUE})`);
  return subscribers.length;
}

/** Success for Completed, failure for Failed or Crashed; a cancelled run tells no one. */
export function runEndedEvent(state: string): NotificationEvent | null {
  if (state === 'completed') return 'success';
  if (state === 'failed' || state === 'crashed') return 'failure';
  return null;
}

/** Called by the engine in the transaction that moves a run to its terminal state. */
export async function enqueueRunEndedNotifications(
  t: Transaction,
  boss: PgBoss,
  run: { id: string; flowId: string; state: string },
): Promise<number> {
  const event = runEndedEvent(run.state);
  if (!event) return 0;
  return enqueueRunNotifications(t, boss, { flowId: run.flowId, runId: run.id, event });
}

/**
 * Tells a flow's 'late' subscribers that a run did not start on time. For
 * the schedules' late detection: pass the caller's transaction to queue the
 * message atomically with whatever marks the run late, or none to use one
 * of its own. Calling it again for the same run (or dedupeKey) sends nothing
 * more.
 */
export async function notifyRunLate(
  deps: { db: Database; boss: PgBoss },
  late: { flowId: string; runId?: string | null; reason: string; dedupeKey?: string },
  t?: Transaction,
): Promise<number> {
  const input: RunNotificationInput = {
    flowId: late.flowId,
    runId: late.runId ?? null,
    event: 'late',
    detail: late.reason,
    dedupeKey: late.dedupeKey,
  };
  if (t) return enqueueRunNotifications(t, deps.boss, input);
  return inTransaction(deps.db, (own) => enqueueRunNotifications(own, deps.boss, input));
}
