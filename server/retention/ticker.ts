import { env } from '@/server/env';
import { deleteExpiredRuns } from './cleanup';

export interface RetentionTicker {
  stop(): Promise<void>;
}

/**
 * Every worker ticks the cleanup: once shortly after start, then hourly.
 * The advisory lock inside makes all but one tick a no-op, so any number of
 * workers is safe and a dead worker's turn is taken by the next one.
 */
export function startRetentionTicker(
  databaseUrl: string,
  log: (line: string) => void,
  options: { firstDelayMs?: number; intervalMs?: number } = {},
): RetentionTicker {
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    const globalDays = env().PIPEWRIGHT_RETENTION_DAYS;
    running = deleteExpiredRuns(databaseUrl, { globalDays, signal: controller.signal })
      .then((r) => {
        if (r.runs > 0) {
          log(
            `retention: deleted ${r.runs} finished runs (${r.logs} log lines) in ${r.batches} batches`,
          );
        }
      })
      .catch((err: Error) => log(`retention: ${err.message}`))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, options.firstDelayMs ?? 60_000);
  const interval = setInterval(tick, options.intervalMs ?? 3_600_000);
  first.unref();
  interval.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(interval);
      controller.abort();
      await running;
    },
  };
}
