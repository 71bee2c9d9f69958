/**
 * compute10 on Pipewright: 10 sequential code tasks, each computing fib(33)
 * recursively in the sandbox and returning its input + 1 (the last returns
 * 10). Pure compute is the same body run straight through a SandboxPool in
 * this process (one round trip to a warm host, no engine), median of 5
 * after a warm-up; overhead per task = (run total − 10 × pure) / 10.
 */
import { SandboxPool } from '../../server/sandbox';
import { chainFlow } from './chain';
import { assertCompleted, type Pipewright } from './pipewright';
import { median, type Repetitions, repeat } from './stats';

export const COMPUTE_TASKS = 10;
const FIB = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }';
const fibBody = (prev: string) => `${FIB}\nfib(33);\nreturn (${prev} ?? 0) + 1;`;

export interface ComputeMeasurement {
  /** Median run total, trigger → run ended. */
  totalMs: number;
  /** Median wall time of one fib(33) through the sandbox pool, no engine. */
  pureMs: number;
  /** Median time QuickJS itself reported for it (the pool's round trip excluded). */
  pureInSandboxMs: number;
  overheadPerTaskMs: number;
}

/** Before the engine boots, so nothing else competes for the cores. */
export async function measurePureCompute(repetitions: Repetitions) {
  const pool = new SandboxPool({ size: 1 });
  try {
    const runs = await repeat(repetitions, async () => {
      const t0 = performance.now();
      const result = await pool.run({
        source: fibBody('0'),
        inputs: {},
        params: {},
        timeoutMs: 120_000,
      });
      if (result.output !== 1) throw new Error(`fib body returned ${String(result.output)}`);
      return { wall: performance.now() - t0, inSandbox: result.durationMs };
    });
    return {
      pureMs: median(runs.map((r) => r.wall)),
      pureInSandboxMs: median(runs.map((r) => r.inSandbox)),
    };
  } finally {
    await pool.close();
  }
}

export async function measurePipewrightCompute(
  pw: Pipewright,
  repetitions: Repetitions,
  pure: { pureMs: number; pureInSandboxMs: number },
): Promise<ComputeMeasurement> {
  const flowId = await pw.importFlow(chainFlow('bench compute10', COMPUTE_TASKS, fibBody));
  const totals = await repeat(repetitions, async () => {
    const run = await pw.run(flowId, { pollMs: 20, timeoutMs: 600_000 });
    await assertCompleted(pw, run, `t${COMPUTE_TASKS - 1}`, COMPUTE_TASKS);
    return run.endedAt - run.triggeredAt;
  });
  const totalMs = median(totals);
  return {
    totalMs,
    ...pure,
    overheadPerTaskMs: (totalMs - COMPUTE_TASKS * pure.pureMs) / COMPUTE_TASKS,
  };
}
