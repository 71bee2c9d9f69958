import { createDatabase, type Database } from '@/db/client';
import { runningEmbeddedServer, startEmbeddedPostgres } from '@/db/embedded';
import { runMigrations } from '@/db/migrate';
import { env } from '@/server/env';
import { onShutdownSignal } from '@/server/shutdown';

/**
 * The database a one-shot command talks to: DATABASE_URL when set; else the
 * embedded server of a running Pipewright on this data directory; else an
 * embedded server this command boots for itself and stops when done.
 */
export async function withDatabase<T>(fn: (db: Database, url: string) => Promise<T>): Promise<T> {
  const config = env();
  let url = config.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    const running = await runningEmbeddedServer(config.dataDir);
    if (running?.url) {
      url = running.url;
    } else {
      const server = await startEmbeddedPostgres({ dataDir: config.dataDir });
      url = server.url;
      const unregister = onShutdownSignal(() => server.stop());
      stop = async () => {
        unregister();
        await server.stop();
      };
    }
  }
  try {
    await runMigrations(url);
    const db = createDatabase(url, { max: 2 });
    try {
      return await fn(db, url);
    } finally {
      await db.$client.end();
    }
  } finally {
    await stop?.();
  }
}
