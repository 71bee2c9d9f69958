/**
 * compute10 on Pipewright: 10 sequential code tasks, each computing fib(33)
 * recursively in the sandbox. Each task times its own fib(33) with the
 * sandbox's clock (Date.now, whole milliseconds) and passes on the running
 * count and the summed compute time, so the last task's output says how
 * long the pure computation took in the very processes that ran it.
 * Overhead per task = (run total − summed compute) / 10. (Subtracting a
 * fib(33) timed in another process, as this did first, mixed the engine's
 * overhead with the ±10% by which one host's fib differs from another's:
 * ±60 ms, twelve times the 5 ms target.)
 */
import { SandboxPool } from '../../server/sandbox';
import { chainFlow } from './chain';
import type { Pipewright } from './pipewright';
import { median, type Repetitions, repeat } from './stats';

export const COMPUTE_TASKS = 10;
const FIB = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }';

/** What each task returns: tasks done so far, and their fib(33) time summed. */
interface ComputeOutput {
  n: number;
  computeMs: number;
}

const fibBody = (prev: string) => `${FIB}
const started = Date.now();
fib(33);
const ms = Date.now() - started;
const before = typeof ${prev} === 'object' ? ${prev} : { n: 0, computeMs: 0 };
return { n: before.n + 1, computeMs: before.computeMs + ms };`;

function computeOutput(value: unknown): ComputeOutput {
  const out = value as Partial<ComputeOutput> | null;
  if (typeof out?.n !== 'number' || typeof out.computeMs !== 'number') {
    throw new Error(`compute10 task returned ${JSON.stringify(value)}`);
  }
  return { n: out.n, computeMs: out.computeMs };
}

export interface ComputeMeasurement {
  /** Median run total, trigger → run ended. */
  totalMs: number;
  /** Median of the run's fib(33) times as the tasks measured them, per task. */
  computePerTaskMs: number;
  /** Median wall time of one fib(33) through a SandboxPool of this process, no engine (for reference). */
  pureMs: number;
  overheadPerTaskMs: number;
  /**
   * (run total − the sum of the tasks' own spans, claim start → finish
   * start) / 10: the time between tasks.
   */
  outsideTasksPerTaskMs: number;
}

/**
 * Each repetition times one fib(33) straight through a SandboxPool of this
 * process (for reference), then one run of the flow.
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
      if (computeOutput(pure.output).n !== 1) throw new Error('the fib body did not count itself');
      const run = await pw.run(flowId, { pollMs: 20, timeoutMs: 600_000 });
      const [last] = await pw.query<{ state: string; output: unknown }>(
        'select state, output from task_runs where flow_run_id = $1 and node_id = $2',
        [run.id, `t${COMPUTE_TASKS - 1}`],
      );
      if (run.state !== 'completed' || last?.state !== 'completed') {
        throw new Error(`benchmark run ${run.id} ended ${run.state}`);
      }
      const { n, computeMs } = computeOutput(last.output);
      if (n !== COMPUTE_TASKS) throw new Error(`benchmark run ${run.id} counted ${n} tasks`);
      const [spans] = await pw.query<{ ms: number }>(
        `select (sum(extract(epoch from ended_at - started_at)) * 1000)::float8 as ms
           from task_runs where flow_run_id = $1`,
        [run.id],
      );
      const totalMs = run.endedAt - run.triggeredAt;
      return {
        pureMs,
        totalMs,
        computeMs,
        overheadPerTaskMs: (totalMs - computeMs) / COMPUTE_TASKS,
        outsideTasksMs: totalMs - Number(spans?.ms),
      };
    });
    return {
      totalMs: median(runs.map((r) => r.totalMs)),
      computePerTaskMs: median(runs.map((r) => r.computeMs)) / COMPUTE_TASKS,
      pureMs: median(runs.map((r) => r.pureMs)),
      overheadPerTaskMs: median(runs.map((r) => r.overheadPerTaskMs)),
      outsideTasksPerTaskMs: median(runs.map((r) => r.outsideTasksMs)) / COMPUTE_TASKS,
    };
  } finally {
    await pool.close();
  }
}
