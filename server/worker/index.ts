import type { Runtime } from '@/server/runtime';
import { queues } from './queues';
import { listenForWakeups, type WakeListener } from './wake';

export interface RunningWorker {
  id: string;
  stop(): Promise<void>;
}

/**
 * Starts this process's pg-boss workers. Any number of processes, on any
 * number of machines, may run this against one database: pg-boss hands each
 * job to exactly one of them.
 */
export async function startWorker(
  runtime: Runtime,
  log: (line: string) => void,
): Promise<RunningWorker> {
  const { boss } = runtime;
  const workerIds = new Map<string, string[]>();
  const track = (queue: string, id: string) =>
    workerIds.set(queue, [...(workerIds.get(queue) ?? []), id]);

  track(
    'health-check',
    await boss.work('health-check', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      if (!job) return;
      const payload = queues['health-check'].payload.parse(job.data);
      return { receivedAt: new Date().toISOString(), sentAt: payload.sentAt };
    }),
  );

  const wake = (queue: string) => {
    const ids = queue === '*' ? [...workerIds.values()].flat() : (workerIds.get(queue) ?? []);
    for (const id of ids) boss.notifyWorker(id);
  };
  runtime.wakeLocal = wake;
  const listener: WakeListener = await listenForWakeups(runtime.databaseUrl, wake, (err) =>
    log(`wake-up listener: ${err.message} (reconnecting)`),
  );

  const id = `${process.pid}`;
  return {
    id,
    async stop() {
      runtime.wakeLocal = () => {};
      await listener.close();
      for (const queue of workerIds.keys()) await boss.offWork(queue);
    },
  };
}
