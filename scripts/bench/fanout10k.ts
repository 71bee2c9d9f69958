/**
 * fanout (throughput) on Pipewright: a code task lists 0..9,999 → a for-each
 * runs one no-op code task per item (`return item;`, at the for-each's default concurrency, 10) →
 * a join checks it got all 10,000 (count and sum). Run by real `pipewright
 * worker` processes (1, then 2) while this process, without a worker, only
 * starts runs and watches. Tasks/s = items completed / (last item's end −
 * first item's start), from task_runs. A run still going after the cap is
 * measured over the items it completed and cancelled (see measureThroughput).
 */
import { type FlowRunState, isTerminalFlowState } from '../../server/engine/states';
import {
  assertCompleted,
  type Pipewright,
  sleep,
  spawnWorker,
  type WorkerProcess,
  wallNow,
} from './pipewright';
import { median, type Repetitions } from './stats';

export const FANOUT_ITEMS = 10_000;
const WARM_UP_ITEMS = 200;

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

/** Items completed, and per second from the first item's start to the last one's end. */
async function itemThroughput(pw: Pipewright, runId: string) {
  const [row] = await pw.query<{ n: number; span: number | null }>(
    `select count(*)::int as n,
            (extract(epoch from max(ended_at) - min(started_at)) * 1000)::float8 as span
       from task_runs
      where flow_run_id = $1 and parent_task_run_id is not null and state = 'completed'`,
    [runId],
  );
  const completed = row?.n ?? 0;
  return { completed, tasksPerSecond: completed / (Number(row?.span ?? Number.NaN) / 1000) };
}

export interface ThroughputMeasurement {
  tasksPerSecond: number;
  /** Median trigger → run ended, for scale (NaN when runs were capped). */
  totalMs: number;
  /** Runs measured (a capped run ends the repetitions: the next would be capped too). */
  runs: number;
  /** Set when a run hit the cap: items it completed before it was cancelled. */
  capped?: { completed: number; capMs: number };
}

/**
 * Throughput with `processes` worker processes: a 200-item warm-up (warm
 * sandbox hosts, JIT, pg-boss queue), then up to `measured` 10,000-item runs.
 * A run still going after `capMs` is measured over the items done so far and
 * cancelled, and no further run is made: the bench keeps to its time budget
 * whatever the engine's speed, and says the figure is capped.
 */
export async function measureThroughput(
  pw: Pipewright,
  databaseUrl: string,
  processes: number,
  { warmUps, measured }: Repetitions,
  capMs: number,
  progress: (line: string) => void,
): Promise<ThroughputMeasurement> {
  const workers: WorkerProcess[] = [];
  const label = `fanout, ${processes} worker process${processes > 1 ? 'es' : ''}`;
  try {
    for (let i = 0; i < processes; i++) workers.push(await spawnWorker(databaseUrl));
    const warmFlow = await pw.importFlow(forEachFlow(WARM_UP_ITEMS));
    const flowId = await pw.importFlow(forEachFlow(FANOUT_ITEMS));
    const sum = (n: number) => (n * (n - 1)) / 2;
    const once = async (warmUp: boolean) => {
      const items = warmUp ? WARM_UP_ITEMS : FANOUT_ITEMS;
      const triggeredAt = wallNow();
      const { id } = await pw.api.runs.start({ flowId: warmUp ? warmFlow : flowId });
      let ended = await waitForRunEnd(pw, id, capMs);
      if (!ended) {
        const done = await itemThroughput(pw, id);
        // A run may end between the cap and the cancel: then it is measured in full.
        const cancelled = await pw.api.runs.cancel({ id }).then(
          () => true,
          (error: unknown) => {
            if ((error as { code?: unknown }).code === 'CONFLICT') return false;
            throw error;
          },
        );
        ended = await waitForRunEnd(pw, id, 120_000);
        if (cancelled || !ended) return { ...done, totalMs: Number.NaN, capped: true };
      }
      const run = { id, state: ended.state, triggeredAt, endedAt: ended.endedAt };
      await assertCompleted(pw, run, 'join', { count: items, sum: sum(items) });
      const done = await itemThroughput(pw, id);
      if (done.completed !== items)
        throw new Error(`run ${id}: ${done.completed} of ${items} items completed`);
      return { ...done, totalMs: run.endedAt - run.triggeredAt, capped: false };
    };
    for (let i = 0; i < warmUps; i++) {
      const r = await once(true);
      progress(
        `${label}: warm-up ${Math.round(r.tasksPerSecond)} tasks/s${r.capped ? ` (capped: ${r.completed} items in ${capMs / 1000} s)` : ''}`,
      );
    }
    const runs: Awaited<ReturnType<typeof once>>[] = [];
    for (let i = 0; i < measured; i++) {
      const r = await once(false);
      runs.push(r);
      progress(
        `${label}: run ${i + 1} ${Math.round(r.tasksPerSecond)} tasks/s${r.capped ? ` (capped: ${r.completed} of ${FANOUT_ITEMS} items in ${capMs / 1000} s; cancelled)` : ''}`,
      );
      if (r.capped) break;
    }
    const capped = runs.find((r) => r.capped);
    return {
      tasksPerSecond: median(runs.map((r) => r.tasksPerSecond)),
      totalMs: median(runs.filter((r) => !r.capped).map((r) => r.totalMs)),
      runs: runs.length,
      ...(capped ? { capped: { completed: capped.completed, capMs } } : {}),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Polls until the run is terminal (its state and ended_at), or undefined after `timeoutMs`. */
async function waitForRunEnd(pw: Pipewright, runId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await pw.query<{ state: FlowRunState; ended_at: number | null }>(
      'select state, (extract(epoch from ended_at) * 1000)::float8 as ended_at from flow_runs where id = $1',
      [runId],
    );
    if (row && isTerminalFlowState(row.state) && row.ended_at !== null) {
      return { state: row.state, endedAt: Number(row.ended_at) };
    }
    await sleep(100);
  }
  return undefined;
}
