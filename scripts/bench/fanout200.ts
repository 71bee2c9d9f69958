/**
 * fanout200 on Pipewright: one code task → 200 parallel no-op code tasks
 * (each returns its number, 1..200) → one join code task summing their 200
 * inputs; the join's output, 20,100, proves all 200 ran and reached it.
 * Trigger (just before `runs.start`) → flow_runs.ended_at, in-process worker.
 */
import { assertCompleted, type Pipewright } from './pipewright';
import { median, type Repetitions, repeat } from './stats';

export const FANOUT_WIDTH = 200;

export function fanoutFlow(width: number) {
  const middle = Array.from({ length: width }, (_, i) => ({
    id: `f${i}`,
    type: 'code',
    position: { x: 250, y: i * 120 },
    config: { source: `return ${i + 1};` },
  }));
  return {
    name: `bench fanout${width}`,
    nodes: [
      { id: 'root', type: 'code', position: { x: 0, y: 0 }, config: { source: 'return 0;' } },
      ...middle,
      {
        id: 'join',
        type: 'code',
        position: { x: 500, y: 0 },
        config: {
          source: `return Object.keys(inputs).filter((k) => k !== 'root').reduce((sum, k) => sum + inputs[k], 0);`,
        },
      },
    ],
    edges: [
      ...middle.map((n) => ({ source: 'root', target: n.id })),
      ...middle.map((n) => ({ source: n.id, target: 'join' })),
    ],
  };
}

export async function measurePipewrightFanout(
  pw: Pipewright,
  repetitions: Repetitions,
): Promise<number> {
  const flowId = await pw.importFlow(fanoutFlow(FANOUT_WIDTH));
  const totals = await repeat(repetitions, async () => {
    const run = await pw.run(flowId, { timeoutMs: 300_000 });
    await assertCompleted(pw, run, 'join', (FANOUT_WIDTH * (FANOUT_WIDTH + 1)) / 2);
    return run.endedAt - run.triggeredAt;
  });
  return median(totals);
}
