import { and, asc, eq, inArray } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type { Database } from '@/db/client';
import { flowNotifications, flowRuns, flows, taskRuns } from '@/db/schema';
import { env } from '@/server/env';
import { notificationMessage } from './message';
import { type NotificationJob, notificationJobSchema } from './queue';

/** A receiver that has not answered by then is treated as failed (and retried). */
export const DELIVERY_TIMEOUT_MS = 10_000;

export class DeliveryFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryFailed';
  }
}

async function postJson(url: string, body: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Pipewright' },
      body: JSON.stringify(body),
      redirect: 'follow',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error;
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
        : ((e.cause as Error | undefined)?.message ?? e.message);
    throw new DeliveryFailed(`could not reach the receiver: ${why}`);
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 200).trim();
    throw new DeliveryFailed(`the receiver answered ${response.status}${text ? `: ${text}` : ''}`);
  }
  await response.body?.cancel().catch(() => {});
}

async function loadFacts(db: Database, job: NotificationJob) {
  const [flow] = await db.select({ name: flows.name }).from(flows).where(eq(flows.id, job.flowId));
  const [run] = job.runId
    ? await db
        .select({
          id: flowRuns.id,
          state: flowRuns.state,
          stateReason: flowRuns.stateReason,
          trigger: flowRuns.trigger,
          startedAt: flowRuns.startedAt,
          endedAt: flowRuns.endedAt,
          createdAt: flowRuns.createdAt,
        })
        .from(flowRuns)
        .where(eq(flowRuns.id, job.runId))
    : [];
  // "task "load" failed" says where; the task's own error says what.
  const [failedTask] =
    run && job.event === 'failure'
      ? await db
          .select({ error: taskRuns.error })
          .from(taskRuns)
          .where(
            and(eq(taskRuns.flowRunId, run.id), inArray(taskRuns.state, ['failed', 'timedout'])),
          )
          .orderBy(asc(taskRuns.endedAt))
          .limit(1)
      : [];
  const taskError = failedTask?.error?.message;
  const base = env().publicUrl;
  return {
    event: job.event,
    flowName: flow?.name ?? 'A deleted flow',
    run: run
      ? {
          ...run,
          stateReason:
            taskError && !run.stateReason?.includes(taskError)
              ? `${run.stateReason ?? 'a task failed'}: ${taskError}`
              : run.stateReason,
        }
      : null,
    detail: job.detail ?? null,
    link: job.runId ? `${base}/runs/${job.runId}` : `${base}/flows/${job.flowId}`,
  };
}

/**
 * Delivers one queued notification: POSTs the message and records the
 * outcome on the subscription. A failure throws, so pg-boss retries it
 * with backoff up to the job's retry limit; the run it is about is never
 * touched. A subscription deleted (or no longer wanting this event) since
 * the job was queued gets nothing.
 */
export async function deliverRunNotification(
  db: Database,
  job: PgBoss.JobWithMetadata<unknown>,
): Promise<'delivered' | 'skipped'> {
  const payload = notificationJobSchema.parse(job.data);
  const [subscription] = await db
    .select()
    .from(flowNotifications)
    .where(eq(flowNotifications.id, payload.notificationId));
  if (!subscription?.events.includes(payload.event)) return 'skipped';

  const attempts = job.retryCount + 1;
  const record = (status: 'delivered' | 'retrying' | 'failed', error: string | null) =>
    db
      .update(flowNotifications)
      .set({
        lastDeliveryAt: new Date(),
        lastDeliveryStatus: status,
        lastDeliveryError: error,
        lastDeliveryRunId: payload.runId,
        lastDeliveryEvent: payload.event,
        lastDeliveryAttempts: attempts,
      })
      .where(eq(flowNotifications.id, subscription.id));

  try {
    await postJson(subscription.url, notificationMessage(await loadFacts(db, payload)));
  } catch (err) {
    const message = (err as Error).message;
    const final = job.retryCount >= job.retryLimit;
    await record(final ? 'failed' : 'retrying', message);
    throw err;
  }
  await record('delivered', null);
  return 'delivered';
}
