/**
 * hop and chain40 on Pipewright: 40 sequential no-op code tasks, each
 * returning its input + 1 (so the last one's output, 40, proves every task
 * ran in order), on the in-process worker.
 *
 * - chain40: trigger (just before `runs.start`) → flow_runs.ended_at.
 * - hop: task A's ended_at → task B's started_at, read from task_runs: A's
 *   completion recorded, planning, B's job sent, the wake-up, the fetch and
 *   B's fenced claim. Pooled over every hop of the measured runs.
 */
import type { Pipewright } from './pipewright';
import { assertCompleted } from './pipewright';
import { type Repetitions, repeat } from './stats';

export const CHAIN_LENGTH = 40;

/** A chain of code nodes t0 → t1 → …; each body gets `prev`, the upstream output expression. */
export function chainFlow(name: string, length: number, body: (prev: string) => string) {
  const nodes = Array.from({ length }, (_, i) => ({
    id: `t${i}`,
    type: 'code',
    position: { x: i * 250, y: 0 },
    config: { source: body(i === 0 ? '0' : `inputs.t${i - 1}`) },
  }));
  const edges = nodes.slice(1).map((n, i) => ({ source: `t${i}`, target: n.id }));
  return { name, nodes, edges };
}

/** Milliseconds from each task's end to the next one's start, in a chain run. */
export async function chainHops(pw: Pipewright, runId: string): Promise<number[]> {
  const rows = await pw.query<{ hop: number }>(
    `select (extract(epoch from b.started_at - a.ended_at) * 1000)::float8 as hop
       from task_runs a
       join task_runs b on b.flow_run_id = a.flow_run_id
        and b.node_id = 't' || (substring(a.node_id from 2)::int + 1)
      where a.flow_run_id = $1 and a.parent_task_run_id is null`,
    [runId],
  );
  return rows.map((r) => Number(r.hop));
}

export interface ChainMeasurement {
  /** Trigger → run ended, per measured run. */
  totals: number[];
  /** Every hop of every measured run. */
  hops: number[];
}

export async function measurePipewrightChain(
  pw: Pipewright,
  repetitions: Repetitions,
): Promise<ChainMeasurement> {
  const flowId = await pw.importFlow(
    chainFlow('bench chain40', CHAIN_LENGTH, (prev) => `return (${prev} ?? 0) + 1;`),
  );
  const runs = await repeat(repetitions, async () => {
    const run = await pw.run(flowId);
    await assertCompleted(pw, run, `t${CHAIN_LENGTH - 1}`, CHAIN_LENGTH);
    return { total: run.endedAt - run.triggeredAt, hops: await chainHops(pw, run.id) };
  });
  return { totals: runs.map((r) => r.total), hops: runs.flatMap((r) => r.hops) };
}
