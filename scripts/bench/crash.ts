/**
 * crash recovery on Pipewright: two `pipewright worker` processes; a code
 * task that busy-loops for 30 s starts on one of them; the bench finds
 * which (task_runs.worker_id is host:pid) and SIGKILLs that worker's
 * process group (the worker and its sandbox hosts, as a machine dying
 * would). Recovery = kill → the next attempt's started_at (task_attempts),
 * which must be on the other worker. The run is then cancelled and a fresh
 * worker replaces the dead one for the next repetition.
 */
import { isTerminalFlowState } from '../../server/engine/states';
import { type Pipewright, sleep, spawnWorker, type WorkerProcess, wallNow } from './pipewright';
import { median } from './stats';

const BUSY_SECONDS = 30;

function busyFlow() {
  return {
    name: 'bench crash recovery',
    nodes: [
      {
        id: 'busy',
        type: 'code',
        position: { x: 0, y: 0 },
        timeoutSeconds: 120,
        config: {
          source: `const end = Date.now() + ${BUSY_SECONDS * 1000};\nwhile (Date.now() < end) {}\nreturn 1;`,
        },
      },
    ],
    edges: [],
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`crash recovery: ${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export async function measureCrashRecovery(
  pw: Pipewright,
  databaseUrl: string,
  repetitions: number,
  progress: (line: string) => void,
): Promise<number> {
  const workers: WorkerProcess[] = [];
  const recoveries: number[] = [];
  try {
    const flowId = await pw.importFlow(busyFlow());
    for (let rep = 0; rep < repetitions; rep++) {
      while (workers.length < 2) workers.push(await spawnWorker(databaseUrl));
      const { id: runId } = await pw.api.runs.start({ flowId });
      const running = await waitFor('the task did not start', 30_000, async () => {
        const [row] = await pw.query<{ id: string; worker_id: string | null }>(
          "select id, worker_id from task_runs where flow_run_id = $1 and node_id = 'busy' and state = 'running' and attempt = 1",
          [runId],
        );
        return row?.worker_id ? { taskRunId: row.id, workerId: row.worker_id } : undefined;
      });
      const pid = Number(running.workerId.split(':')[1]);
      const victim = workers.find((w) => w.pid === pid);
      if (!victim) throw new Error(`crash recovery: task runs on ${running.workerId}, not ours`);
      const killedAt = wallNow();
      victim.kill();
      workers.splice(workers.indexOf(victim), 1);
      const retry = await waitFor('no retry started', 60_000, async () => {
        const [row] = await pw.query<{ started_at: number; worker_id: string }>(
          'select (extract(epoch from started_at) * 1000)::float8 as started_at, worker_id from task_attempts where task_run_id = $1 and attempt = 2',
          [running.taskRunId],
        );
        return row;
      });
      if (retry.worker_id === running.workerId) {
        throw new Error(`crash recovery: the retry ran on the killed worker ${retry.worker_id}`);
      }
      const recovery = Number(retry.started_at) - killedAt;
      recoveries.push(recovery);
      progress(`crash recovery ${rep + 1}/${repetitions}: ${(recovery / 1000).toFixed(2)} s`);
      await pw.api.runs.cancel({ id: runId });
      await waitFor('the run did not end after cancel', 60_000, async () => {
        const [row] = await pw.query<{ state: Parameters<typeof isTerminalFlowState>[0] }>(
          'select state from flow_runs where id = $1',
          [runId],
        );
        return row && isTerminalFlowState(row.state) ? row : undefined;
      });
    }
    return median(recoveries);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
