/**
 * compute10 on Pipewright: 10 sequential code tasks, each computing fib(33)
 * recursively in the sandbox and returning its input + 1 (the last returns
 * 10). Pure compute is the same body run straight through a SandboxPool in
 * this process (one round trip to a warm host, no engine), one before each
 * run; overhead per task = (median run total − 10 × median pure) / 10.
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
  /**
   * (run total − the sum of the tasks' own spans, claim start → finish
   * start) / 10: the time between tasks. Immune to the load slowing the
   * computation itself, which the overhead above is not.
   */
  outsideTasksPerTaskMs: number;
}

/**
 * Each repetition times one fib(33) straight through a SandboxPool of this
 * process, then one run of the flow: interleaved, so a machine whose load
 * changes during the benchmark skews both alike.
 */
export async function measurePipewrightCompute(
  pw: Pipewright,
  repetitions: Repetitions,
): Promise<ComputeMeasurement> {
  const flowId = await pw.importFlow(chainFlow('bench compute10', COMPUTE_TASKS, fibBody));
  const pool = new SandboxPool({ size: 1 });
  try {
    const runs = await repeat(repetitions, async () => {
      const t0 = performance.now();
      const pure = await pool.run({
        source: fibBody('0'),
        inputs: {},
        params: {},
        timeoutMs: 120_000,
      });
      const pureMs = performance.now() - t0;
      if (pure.output !== 1) throw new Error(`fib body returned ${String(pure.output)}`);
      const run = await pw.run(flowId, { pollMs: 20, timeoutMs: 600_000 });
      await assertCompleted(pw, run, `t${COMPUTE_TASKS - 1}`, COMPUTE_TASKS);
      const [spans] = await pw.query<{ ms: number }>(
        `select (sum(extract(epoch from ended_at - started_at)) * 1000)::float8 as ms
           from task_runs where flow_run_id = $1`,
        [run.id],
      );
      const totalMs = run.endedAt - run.triggeredAt;
      return {
        pureMs,
        pureInSandboxMs: pure.durationMs,
        totalMs,
        outsideTasksMs: totalMs - Number(spans?.ms),
      };
    });
    const totalMs = median(runs.map((r) => r.totalMs));
    const pureMs = median(runs.map((r) => r.pureMs));
    return {
      totalMs,
      pureMs,
      pureInSandboxMs: median(runs.map((r) => r.pureInSandboxMs)),
      overheadPerTaskMs: (totalMs - COMPUTE_TASKS * pureMs) / COMPUTE_TASKS,
      outsideTasksPerTaskMs: median(runs.map((r) => r.outsideTasksMs)) / COMPUTE_TASKS,
    };
  } finally {
    await pool.close();
  }
}
