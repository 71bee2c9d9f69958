import os from 'node:os';
import { AttemptAborted, runTaskAttempt, type TaskJob } from '@/server/execution/attempt';
import {
  CANCEL_CHANNEL,
  defaultLimits,
  type EngineDeps,
  TASK_QUEUE,
  type WorkerDeps,
} from '@/server/execution/deps';
import { sweep } from '@/server/execution/sweeper';
import { NOTIFICATION_QUEUE } from '@/server/notifications/queue';
import { startNotificationDelivery } from '@/server/notifications/worker';
import { startRetentionTicker } from '@/server/retention/ticker';
import type { Runtime } from '@/server/runtime';
import { SandboxPool } from '@/server/sandbox';
import type { TaskRunner } from '@/server/tasks/runner';
import { QueueConsumer } from './consumer';
import { queues } from './queues';
import { type Listener, listenToChannels, WAKE_CHANNEL } from './wake';

export interface RunningWorker {
  id: string;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Task attempts this process runs at once. */
  concurrency: number;
  /** Sandbox host processes for code tasks. */
  sandboxes: number;
  sweepIntervalMs: number;
  /** Task types this worker can run (default: the runtime's). */
  runners: ReadonlyMap<string, TaskRunner<never>>;
}

/** The engine's view of a runtime (also used by the web process to start runs). */
export function engineDeps(runtime: Runtime): EngineDeps {
  return {
    db: runtime.db,
    boss: runtime.boss,
    catalog: runtime.catalog,
    limits: runtime.limits,
    wakeLocal: (queue) => runtime.wakeLocal(queue),
  };
}

/**
 * Starts this process's workers. Any number of processes, on any number of
 * machines, may run this against one database: pg-boss hands each job to
 * exactly one of them, and the task-run row fences out stale attempts.
 */
export async function startWorker(
  runtime: Runtime,
  log: (line: string) => void,
  options: Partial<WorkerOptions> = {},
): Promise<RunningWorker> {
  const { boss } = runtime;
  const concurrency = options.concurrency ?? 8;
  const workerId = `${os.hostname()}:${process.pid}`;
  const sandbox = new SandboxPool({ size: options.sandboxes ?? 2 });
  const deps: WorkerDeps = {
    ...engineDeps(runtime),
    limits: runtime.limits ?? defaultLimits,
    runners: options.runners ?? runtime.runners,
    sandbox,
    workerId,
    log,
  };

  const workerIds = new Map<string, string[]>();
  const track = (queue: string, id: string) =>
    workerIds.set(queue, [...(workerIds.get(queue) ?? []), id]);

  track(
    'health-check',
    await boss.work('health-check', { pollingIntervalSeconds: 2 }, async ([job]) => {
      if (!job) return;
      const payload = queues['health-check'].payload.parse(job.data);
      return { receivedAt: new Date().toISOString(), sentAt: payload.sentAt };
    }),
  );

  for (const id of await startNotificationDelivery(boss, runtime.db, log)) {
    track(NOTIFICATION_QUEUE, id);
  }
  const retention = startRetentionTicker(runtime.databaseUrl, log);

  // Attempts in flight here, by run, so a cancel can abort them at once.
  const inFlight = new Map<string, Set<AbortController>>();
  const onStart = (runId: string, controller: AbortController) => {
    const set = inFlight.get(runId) ?? new Set();
    set.add(controller);
    inFlight.set(runId, set);
    return () => {
      set.delete(controller);
      if (set.size === 0) inFlight.delete(runId);
    };
  };

  const tasks = new QueueConsumer<TaskJob>(
    boss,
    TASK_QUEUE,
    concurrency,
    async (job) => {
      const payload = queues[TASK_QUEUE].payload.parse(job.data);
      await runTaskAttempt(deps, payload, onStart);
    },
    (err) => log(`task worker: ${err.message}`),
  );

  const wake = (queue: string) => {
    if (queue === TASK_QUEUE || queue === '*') tasks.wake();
    const ids = queue === '*' ? [...workerIds.values()].flat() : (workerIds.get(queue) ?? []);
    for (const id of ids) boss.notifyWorker(id);
  };
  runtime.wakeLocal = wake;
  const listener: Listener = await listenToChannels(
    runtime.databaseUrl,
    {
      [WAKE_CHANNEL]: wake,
      [CANCEL_CHANNEL]: (runId) => {
        for (const controller of inFlight.get(runId) ?? []) {
          controller.abort(new AttemptAborted('the run was cancelled', 'cancelled'));
        }
      },
    },
    (err) => log(`listener: ${err.message} (reconnecting)`),
  );

  // One sweep at a time; stop() waits for the one in progress.
  let sweeping: Promise<unknown> | undefined;
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = sweep(deps)
      .catch((err: Error) => log(`sweeper: ${err.message}`))
      .finally(() => {
        sweeping = undefined;
      });
  }, options.sweepIntervalMs ?? 1000);

  return {
    id: workerId,
    async stop() {
      clearInterval(sweepTimer);
      await sweeping;
      await retention.stop();
      runtime.wakeLocal = () => {};
      await listener.close();
      for (const queue of workerIds.keys()) await boss.offWork(queue);
      await tasks.stop();
      await sandbox.close();
    },
  };
}
