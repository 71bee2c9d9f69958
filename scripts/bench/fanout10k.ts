/**
 * fanout (throughput) on Pipewright: a code task lists 0..9,999 → a for-each
 * runs one no-op code task per item (`return item;`, no concurrency limit) →
 * a join checks it got all 10,000 (count and sum). Run by real `pipewright
 * worker` processes (1, then 2) while this process, without a worker, only
 * starts runs and watches. Tasks/s = items completed / (last item's end −
 * first item's start), from task_runs.
 */
import { assertCompleted, type Pipewright, spawnWorker, type WorkerProcess } from './pipewright';
import { median, type Repetitions, repeat } from './stats';

export const FANOUT_ITEMS = 10_000;

export function forEachFlow(items: number) {
  return {
    name: `bench for-each ${items}`,
    nodes: [
      {
        id: 'list',
        type: 'code',
        position: { x: 0, y: 0 },
        config: { source: `return Array.from({ length: ${items} }, (_, i) => i);` },
      },
      {
        id: 'each',
        type: 'for-each',
        position: { x: 250, y: 0 },
        config: {
          items: '{{ nodes.list.output }}',
          task: { type: 'code', config: { source: 'return item;' } },
        },
      },
      {
        id: 'join',
        type: 'code',
        position: { x: 500, y: 0 },
        config: {
          source:
            'return { count: inputs.each.length, sum: inputs.each.reduce((s, x) => s + x, 0) };',
        },
      },
    ],
    edges: [
      { source: 'list', target: 'each' },
      { source: 'each', target: 'join' },
    ],
  };
}

/** Items per second of one finished for-each run. */
async function itemThroughput(pw: Pipewright, runId: string, items: number): Promise<number> {
  const [row] = await pw.query<{ n: number; span: number }>(
    `select count(*)::int as n,
            (extract(epoch from max(ended_at) - min(started_at)) * 1000)::float8 as span
       from task_runs
      where flow_run_id = $1 and parent_task_run_id is not null and state = 'completed'`,
    [runId],
  );
  if (!row || row.n !== items)
    throw new Error(`run ${runId}: ${row?.n} of ${items} items completed`);
  return row.n / (Number(row.span) / 1000);
}

export interface ThroughputMeasurement {
  tasksPerSecond: number;
  /** Median trigger → run ended, for scale. */
  totalMs: number;
}

/**
 * Throughput with `processes` worker processes. The warm-up is a 1,000-item
 * run (warm sandbox hosts, JIT, pg-boss queue) so it does not cost a full one.
 */
export async function measureThroughput(
  pw: Pipewright,
  databaseUrl: string,
  processes: number,
  repetitions: Repetitions,
  progress: (line: string) => void,
): Promise<ThroughputMeasurement> {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) workers.push(await spawnWorker(databaseUrl));
    const warmFlow = await pw.importFlow(forEachFlow(1000));
    const flowId = await pw.importFlow(forEachFlow(FANOUT_ITEMS));
    const sum = (n: number) => (n * (n - 1)) / 2;
    const runs = await repeat(repetitions, async (index, warmUp) => {
      const items = warmUp ? 1000 : FANOUT_ITEMS;
      const run = await pw.run(warmUp ? warmFlow : flowId, { pollMs: 100, timeoutMs: 600_000 });
      await assertCompleted(pw, run, 'join', { count: items, sum: sum(items) });
      const tasksPerSecond = await itemThroughput(pw, run.id, items);
      progress(
        `fanout, ${processes} worker process${processes > 1 ? 'es' : ''}: ${warmUp ? 'warm-up' : `run ${index + 1}`} ${Math.round(tasksPerSecond)} tasks/s`,
      );
      return { tasksPerSecond, totalMs: run.endedAt - run.triggeredAt };
    });
    return {
      tasksPerSecond: median(runs.map((r) => r.tasksPerSecond)),
      totalMs: median(runs.map((r) => r.totalMs)),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
