/**
 * Baseline: a graphile-worker chain of 40 jobs on the bench's PostgreSQL, in
 * a schema of its own, with graphile-worker's defaults (concurrency 1,
 * LISTEN/NOTIFY wake-ups, 2 s fallback polling). Each task adds the next job
 * (`helpers.addJob`: one INSERT whose trigger NOTIFYs) and returns; the
 * worker then completes the job (a DELETE) and fetches the next.
 *
 * Timings are this process's clock: hop = task A returned → task B entered;
 * chain = before the first `addJob` → the last task returned.
 */
import { Logger, run } from 'graphile-worker';
import type { ChainMeasurement } from './chain';
import { type Repetitions, repeat } from './stats';

export async function measureGraphileChain(
  databaseUrl: string,
  schema: string,
  length: number,
  repetitions: Repetitions,
): Promise<ChainMeasurement> {
  let chain: { number: number; starts: number[]; ends: number[]; done: () => void } | undefined;
  const runner = await run({
    connectionString: databaseUrl,
    schema,
    noHandleSignals: true,
    logger: new Logger(() => (level, message) => {
      if (level === 'error') console.error(`[bench graphile-worker] ${message}`);
    }),
    taskList: {
      step: async (payload, helpers) => {
        const startedAt = performance.now();
        const { number, i } = payload as { number: number; i: number };
        if (!chain || chain.number !== number) return;
        chain.starts[i] = startedAt;
        if (i < length - 1) await helpers.addJob('step', { number, i: i + 1 });
        chain.ends[i] = performance.now();
        if (i === length - 1) chain.done();
      },
    },
  });
  try {
    let number = 0;
    const runs = await repeat(repetitions, async () => {
      const starts: number[] = [];
      const ends: number[] = [];
      number++;
      const finished = new Promise<void>((done) => {
        chain = { number, starts, ends, done };
      });
      const t0 = performance.now();
      await runner.addJob('step', { number, i: 0 });
      await finished;
      const hops = starts.slice(1).map((start, i) => start - ends[i]!);
      return { total: ends[length - 1]! - t0, hops };
    });
    return { totals: runs.map((r) => r.total), hops: runs.flatMap((r) => r.hops) };
  } finally {
    await runner.stop();
  }
}
