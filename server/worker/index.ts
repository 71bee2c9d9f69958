import os from 'node:os';
import type { Transaction } from '@/db/client';
import { POOL_NAME_PATTERN } from '@/server/engine/document';
import {
  AttemptAborted,
  runTaskAttempt,
  startHandedOff,
  type TaskJob,
} from '@/server/execution/attempt';
import {
  CANCEL_CHANNEL,
  defaultLimits,
  type EngineDeps,
  systemClock,
  TASK_QUEUE,
  type WorkerDeps,
} from '@/server/execution/deps';
import { Handoff } from '@/server/execution/handoff';
import {
  DEFAULT_POOL,
  isTaskQueue,
  rememberTaskQueue,
  taskQueueFor,
} from '@/server/execution/pools';
import { sweep } from '@/server/execution/sweeper';
import { NOTIFICATION_QUEUE } from '@/server/notifications/queue';
import { startNotificationDelivery } from '@/server/notifications/worker';
import { startRetentionTicker } from '@/server/retention/ticker';
import type { Runtime } from '@/server/runtime';
import { SandboxPool } from '@/server/sandbox';
import type { LateRun } from '@/server/schedules/late';
import type { TaskRunner } from '@/server/tasks/runner';
import { QueueConsumer } from './consumer';
import { startHeartbeat } from './heartbeat';
import { queues } from './queues';
import { type SchedulerLoop, startSchedulerLoop } from './scheduler-loop';
import { type Listener, listenToChannels, WAKE_CHANNEL } from './wake';

export interface RunningWorker {
  id: string;
  /** The pools whose tasks it takes. */
  pools: string[];
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
  /** How often the scheduler ticks (fires due scheduled runs); 0 turns it off here. */
  schedulerIntervalMs: number;
  /** Runs from schedules that just became Late, once each across all workers (their notifications are already queued). */
  onLateRuns(runs: LateRun[]): void | Promise<void>;
  /** Worker pools whose tasks it takes (default: the default pool only). */
  pools: string[];
  /** How often it writes its heartbeat to the workers table. */
  heartbeatMs: number;
  /** When the first retention cleanup runs after start, and then how often (default 1 min, 1 h). */
  retentionFirstDelayMs: number;
  retentionIntervalMs: number;
}

/** Workers started in this process so far: a second one gets its own id. */
let workersInProcess = 0;

/** The engine's view of a runtime (also used by the web process to start runs). */
export function engineDeps(runtime: Runtime): EngineDeps {
  return {
    db: runtime.db,
    boss: runtime.boss,
    catalog: runtime.catalog,
    limits: runtime.limits,
    wakeLocal: (queue) => runtime.wakeLocal(queue),
    handOffStart: (t) => runtime.handOffStart?.(t) ?? null,
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
  const n = ++workersInProcess;
  const workerId = `${os.hostname()}:${process.pid}${n > 1 ? `:${n}` : ''}`;
  const pools = [...new Set(options.pools?.length ? options.pools : [DEFAULT_POOL])];
  const badPool = pools.find((p) => !POOL_NAME_PATTERN.test(p));
  if (badPool) throw new Error(`"${badPool}" is not a worker pool name (use a-z, 0-9, - and _)`);
  const taskQueues = pools.map(taskQueueFor);
  for (const queue of taskQueues) {
    await boss.createQueue(queue, { name: queue, ...queues[TASK_QUEUE].options });
    rememberTaskQueue(queue);
  }
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
  const retention = startRetentionTicker(runtime.databaseUrl, log, {
    firstDelayMs: options.retentionFirstDelayMs,
    intervalMs: options.retentionIntervalMs,
  });

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

  // Tasks made ready by an attempt finishing here are handed to this worker
  // when it serves their pool, can run their type and has a slot free.
  const newHandoff = (ownSlots: number) =>
    new Handoff(tasks, (pool, type) => pools.includes(pool) && deps.runners.has(type), ownSlots);
  const tasks: QueueConsumer<TaskJob> = new QueueConsumer<TaskJob>(
    boss,
    taskQueues,
    concurrency,
    async (job) => {
      const payload = queues[TASK_QUEUE].payload.parse(job.data);
      await runTaskAttempt(deps, payload, onStart, newHandoff);
    },
    (err) => log(`task worker: ${err.message}`),
  );

  const wake = (queue: string) => {
    if (queue === '*' || taskQueues.includes(queue)) tasks.wake();
    const ids = queue === '*' ? [...workerIds.values()].flat() : (workerIds.get(queue) ?? []);
    for (const id of ids) boss.notifyWorker(id);
  };
  // Local wakes name the default task queue wherever this process just sent
  // jobs of any pool (or a retry it scheduled fell due): check every pool here.
  // Several workers in one process (tests) each keep their own wake-up.
  const previousWakeLocal = runtime.wakeLocal;
  let stopped = false;
  const wakeLocal = (queue: string) => {
    previousWakeLocal(queue);
    if (stopped) return;
    if (isTaskQueue(queue)) tasks.wake();
    else wake(queue);
  };
  runtime.wakeLocal = wakeLocal;
  // Runs started in this process hand their first tasks to this worker.
  const previousHandOffStart = runtime.handOffStart;
  const handOffStart = (t: Transaction) =>
    stopped ? null : startHandedOff(deps, t, newHandoff(0), onStart, newHandoff);
  runtime.handOffStart = handOffStart;
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

  const schedulerIntervalMs = options.schedulerIntervalMs ?? 1000;
  const scheduler: SchedulerLoop | undefined =
    schedulerIntervalMs > 0
      ? startSchedulerLoop(
          { ...deps, now: runtime.clock ?? systemClock },
          {
            intervalMs: schedulerIntervalMs,
            log,
            // The late runs' notifications were queued by the tick, with the claim.
            onLate:
              options.onLateRuns ??
              ((runs) => {
                for (const run of runs) {
                  log(`run ${run.id} is late (due ${run.scheduledFor.toISOString()})`);
                }
              }),
          },
        )
      : undefined;
  const heartbeat = await startHeartbeat(
    runtime.db,
    { id: workerId, host: os.hostname(), pid: process.pid, pools, concurrency },
    () => tasks.busy,
    { intervalMs: options.heartbeatMs, log },
  );

  return {
    id: workerId,
    pools,
    async stop() {
      clearInterval(sweepTimer);
      await sweeping;
      await scheduler?.stop();
      await retention.stop();
      stopped = true;
      if (runtime.wakeLocal === wakeLocal) runtime.wakeLocal = previousWakeLocal;
      if (runtime.handOffStart === handOffStart) runtime.handOffStart = previousHandOffStart;
      await listener.close();
      for (const queue of workerIds.keys()) await boss.offWork(queue);
      await tasks.stop();
      // Attempts still running after the grace period are handed back (a new
      // attempt elsewhere, at once, without using a retry), not failed by
      // the sandbox closing under them.
      for (const controllers of inFlight.values()) {
        for (const controller of controllers) {
          controller.abort(
            new AttemptAborted('the worker shut down before the attempt finished', 'handed-back'),
          );
        }
      }
      await tasks.stop(5_000);
      await sandbox.close();
      await heartbeat.stop();
    },
  };
}
