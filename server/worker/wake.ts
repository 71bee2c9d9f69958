import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { DbOrTx } from '@/db/client';

/**
 * pg-boss 10 polls (0.5 s at best) and has no LISTEN/NOTIFY. Whoever enqueues
 * a job also NOTIFYs this channel in the same transaction, so the wake-up is
 * delivered exactly when the job becomes visible; every worker process
 * LISTENs and pokes its pg-boss workers for that queue (`notifyWorker`).
 */
export const WAKE_CHANNEL = 'pipewright_wake';

export async function notifyQueue(db: DbOrTx, queue: string): Promise<void> {
  await db.execute(sql`select pg_notify(${WAKE_CHANNEL}, ${queue})`);
}

export interface WakeListener {
  close(): Promise<void>;
}

/** Listens for wake-ups; reconnects when the connection drops. */
export async function listenForWakeups(
  connectionString: string,
  onWake: (queue: string) => void,
  onError: (err: Error) => void = () => {},
): Promise<WakeListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString, application_name: 'pipewright-wake' });
    c.on('notification', (msg) => {
      if (msg.channel === WAKE_CHANNEL && msg.payload) onWake(msg.payload);
    });
    c.on('error', (err) => {
      onError(err);
      c.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect().catch(onError), 1000);
    });
    await c.connect();
    await c.query(`listen ${WAKE_CHANNEL}`);
    client = c;
    // A reconnect may have missed wake-ups: poke everything once.
    onWake('*');
  };
  await connect();

  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
