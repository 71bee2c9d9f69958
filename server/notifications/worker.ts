import type PgBoss from 'pg-boss';
import type { Database } from '@/db/client';
import { DeliveryFailed, deliverRunNotification } from './deliver';
import { NOTIFICATION_QUEUE } from './queue';

/** Deliveries one worker process makes at once (each waits on someone else's server). */
const DELIVERY_LOOPS = 2;

/**
 * Starts this process's notification delivery loops. Each takes one job at
 * a time (a pg-boss batch fails or completes as a whole), so a slow
 * receiver delays no other delivery in the same batch. Returns the pg-boss
 * worker ids, for wake-ups and offWork.
 */
export async function startNotificationDelivery(
  boss: PgBoss,
  db: Database,
  log: (line: string) => void,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < DELIVERY_LOOPS; i++) {
    ids.push(
      await boss.work(
        NOTIFICATION_QUEUE,
        { pollingIntervalSeconds: 2, batchSize: 1, includeMetadata: true },
        async ([job]) => {
          if (!job) return;
          try {
            await deliverRunNotification(db, job);
          } catch (err) {
            if (!(err instanceof DeliveryFailed))
              log(`notification ${job.id}: ${(err as Error).message}`);
            throw err;
          }
        },
      ),
    );
  }
  return ids;
}
