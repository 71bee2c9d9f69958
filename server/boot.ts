import { createDatabase } from '@/db/client';
import { type EmbeddedServer, runningEmbeddedServer, startEmbeddedPostgres } from '@/db/embedded';
import { runMigrations } from '@/db/migrate';
import { env } from '@/server/env';
import { type Clock, defaultLimits } from '@/server/execution/deps';
import { type Runtime, setRuntime } from '@/server/runtime';
import { secretKey } from '@/server/secrets/key';
import { onShutdownSignal } from '@/server/shutdown';
import { loadTaskTypes } from '@/server/tasks/custom';
import { type RunningWorker, startWorker, type WorkerOptions } from '@/server/worker';
import { startBoss } from '@/server/worker/boss';

export interface Booted {
  runtime: Runtime;
  worker?: RunningWorker;
  shutdown(): Promise<void>;
}

/**
 * Brings up everything a Pipewright process needs, in order: the database
 * (DATABASE_URL, or the embedded server), migrations, pg-boss, and
 * optionally a worker. `shutdown` undoes it in reverse.
 */
export async function bootRuntime(options: {
  worker: boolean;
  databaseUrl?: string;
  /** Use the embedded server another Pipewright process already runs on this data directory. */
  reuseRunningEmbedded?: boolean;
  log?: (line: string) => void;
  /** What schedules take as now (tests: a controllable clock). */
  clock?: Clock;
  workerOptions?: Partial<WorkerOptions>;
}): Promise<Booted> {
  const log = options.log ?? ((line: string) => console.log(`[pipewright] ${line}`));
  const config = env();
  // Early, so a damaged key file stops the start instead of the first run using a secret.
  const key = secretKey();
  if (key.created) {
    log(
      `Generated the secret key ${key.source} (mode 0600). Back it up: secrets cannot be read without it. Processes on other machines need the same key (PIPEWRIGHT_SECRET_KEY).`,
    );
  }
  let embedded: EmbeddedServer | undefined;
  let unregisterEarlyStop = () => {};
  let databaseUrl = options.databaseUrl ?? config.DATABASE_URL;
  if (!databaseUrl && options.reuseRunningEmbedded) {
    databaseUrl = (await runningEmbeddedServer(config.dataDir))?.url;
  }
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log });
    const server = embedded;
    // Until the runtime is up, a signal must still stop the database.
    unregisterEarlyStop = onShutdownSignal(() => server.stop());
    databaseUrl = embedded.url;
    log(`Embedded PostgreSQL running on 127.0.0.1:${embedded.port} (data in ${config.dataDir})`);
  }
  try {
    const taskTypes = await loadTaskTypes({
      allowShell: config.PIPEWRIGHT_ALLOW_SHELL,
      dir: config.PIPEWRIGHT_TASKS_DIR,
    });
    for (const t of taskTypes.loaded) log(`Custom task type "${t.type}" from ${t.file}`);
    for (const problem of taskTypes.problems) log(`Custom task types: ${problem}`);
    await runMigrations(databaseUrl);
    const db = createDatabase(databaseUrl);
    const boss = await startBoss(databaseUrl, { supervise: options.worker });
    const runtime: Runtime = {
      db,
      boss,
      catalog: taskTypes.catalog,
      runners: taskTypes.runners,
      limits: { ...defaultLimits, maxOutputBytes: config.PIPEWRIGHT_MAX_OUTPUT_BYTES },
      databaseUrl,
      embedded: Boolean(embedded),
      wakeLocal: () => {},
      startedAt: new Date(),
      clock: options.clock,
    };
    const worker = options.worker
      ? await startWorker(runtime, log, {
          concurrency: config.PIPEWRIGHT_WORKER_CONCURRENCY,
          ...options.workerOptions,
          pools: config.PIPEWRIGHT_WORKER_POOLS,
        })
      : undefined;
    setRuntime(runtime);

    let done: Promise<void> | undefined;
    let stopListening = () => {};
    const booted: Booted = { runtime, worker, shutdown: () => shutdown() };
    const shutdown = () => {
      done ??= (async () => {
        stopListening();
        setRuntime(undefined);
        // The worker in `booted` now, which a caller may have replaced.
        await booted.worker?.stop().catch((err: Error) => log(`worker stop: ${err.message}`));
        await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => {});
        await db.$client.end().catch(() => {});
        await embedded?.stop();
      })();
      return done;
    };
    unregisterEarlyStop();
    const unregisterShutdown = onShutdownSignal(shutdown);
    stopListening = unregisterShutdown;
    return booted;
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
