import type { Database } from '@/db/client';
import {
  HEARTBEAT_MS,
  heartbeatWorker,
  markWorkerStopped,
  pipewrightVersion,
  pruneDeadWorkers,
  registerWorker,
  type WorkerRegistration,
} from './registry';

/** Pruning long-dead workers is rare work: once at start, then about hourly. */
const PRUNE_EVERY_MS = 3600 * 1000;

/**
 * Registers this worker in the workers table and keeps its heartbeat (and
 * the count of attempts it runs) fresh until `stop`, which marks it stopped
 * so the Workers page shows it offline at once.
 */
export async function startHeartbeat(
  db: Database,
  worker: Omit<WorkerRegistration, 'version'>,
  runningTasks: () => number,
  options: { intervalMs?: number; log: (line: string) => void },
): Promise<{ stop(): Promise<void> }> {
  const registration: WorkerRegistration = { ...worker, version: pipewrightVersion() };
  await registerWorker(db, registration);
  let lastPrune = 0;
  let beating: Promise<void> | undefined;
  const beat = async () => {
    await heartbeatWorker(db, registration, runningTasks());
    if (Date.now() - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      await pruneDeadWorkers(db);
    }
  };
  const timer = setInterval(() => {
    if (beating) return;
    beating = beat()
      .catch((err: Error) => options.log(`heartbeat: ${err.message}`))
      .finally(() => {
        beating = undefined;
      });
  }, options.intervalMs ?? HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A heartbeat landing after the stop mark would not revive the row, but
      // waiting for it keeps the last write the stop.
      await beating;
      await markWorkerStopped(db, registration.id).catch((err: Error) =>
        options.log(`marking worker stopped: ${err.message}`),
      );
    },
  };
}
