/**
 * hop and chain40 on Pipewright: 40 sequential no-op code tasks, each
 * returning its input + 1 (so the last one's output, 40, proves every task
 * ran in order), on the in-process worker.
 *
 * - chain40: trigger (just before `runs.start`) → flow_runs.ended_at.
 * - hop: task A's code ran → task B's code ran, on the sandbox's millisecond
 *   clock, in a chain of the same length whose tasks return when they ran
 *   (`Date.now()`): A's return, then B's start in the sandbox, which happens
 *   as soon as A returns, before either is committed (the chain runs ahead
 *   of its commits). Pooled over every hop of the measured runs. chain40
 *   ends at the last task's commit, so it counts every commit.
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

/** A hop chain's task: the count so far, and when its code ran. */
function hopBody(prev: string): string {
  return `return { n: ((${prev})?.n ?? 0) + 1, at: Date.now() };`;
}

/** Milliseconds from each task's code running to the next one's, in a hop chain's run. */
export async function chainHops(pw: Pipewright, runId: string): Promise<number[]> {
  const rows = await pw.query<{ node_id: string; output: { at: number } }>(
    'select node_id, output from task_runs where flow_run_id = $1 and parent_task_run_id is null',
    [runId],
  );
  const at = new Map(rows.map((r) => [r.node_id, r.output.at]));
  return Array.from({ length: rows.length - 1 }, (_, i) => at.get(`t${i + 1}`)! - at.get(`t${i}`)!);
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
    return run.endedAt - run.triggeredAt;
  });
  const hopFlowId = await pw.importFlow(chainFlow('bench hop', CHAIN_LENGTH, hopBody));
  const hops = await repeat(repetitions, async () => {
    const run = await pw.run(hopFlowId);
    if (run.state !== 'completed') throw new Error(`hop chain run ${run.id} ended ${run.state}`);
    return chainHops(pw, run.id);
  });
  return { totals: runs, hops: hops.flat() };
}
