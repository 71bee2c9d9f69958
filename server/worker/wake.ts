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

export interface Listener {
  close(): Promise<void>;
}

/**
 * LISTENs on the given channels over one dedicated connection, reconnecting
 * when it drops. After a reconnect every handler gets `*`: notifications
 * sent while disconnected are lost, so listeners must re-check.
 */
export async function listenToChannels(
  connectionString: string,
  handlers: Record<string, (payload: string) => void>,
  onError: (err: Error) => void = () => {},
): Promise<Listener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let first = true;

  const connect = async () => {
    const c = new pg.Client({ connectionString, application_name: 'pipewright-listen' });
    c.on('notification', (msg) => {
      const handler = handlers[msg.channel];
      if (handler && msg.payload !== undefined) handler(msg.payload);
    });
    c.on('error', (err) => {
      onError(err);
      c.end().catch(() => {});
      if (!closed) retry = setTimeout(reconnect, 1000);
    });
    await c.connect();
    for (const channel of Object.keys(handlers))
      await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    client = c;
    if (!first) for (const handler of Object.values(handlers)) handler('*');
    first = false;
  };
  const reconnect = () => {
    connect().catch((err: Error) => {
      onError(err);
      if (!closed) retry = setTimeout(reconnect, 1000);
    });
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
