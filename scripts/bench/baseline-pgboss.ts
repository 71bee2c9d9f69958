/**
 * Baseline: a bare pg-boss 10 chain of 40 jobs on the bench's PostgreSQL, in
 * a schema of its own. Each handler `send`s the next job (one durable
 * INSERT) and returns; pg-boss then completes the job (an UPDATE it does not
 * await) and its worker loop fetches again (an UPDATE … RETURNING).
 *
 * Variants, all with pg-boss's defaults otherwise (batch of 1, one loop):
 * - polling at `pollingIntervalSeconds` (default 2 s; minimum 0.5 s): after a
 *   job, the loop sleeps the interval before it fetches again;
 * - in-process wake-ups: after `send`, the handler calls
 *   `boss.notifyWorker(id)`, so the loop fetches at once — what a process
 *   sending to its own queue can do (Pipewright does this plus LISTEN/NOTIFY
 *   across processes).
 *
 * Timings are this process's clock: hop = handler A returned → handler B
 * entered; chain = before the first `send` → the last handler returned.
 */
import PgBoss from 'pg-boss';
import type { ChainMeasurement } from './chain';
import { type Repetitions, repeat } from './stats';

export interface PgBossVariant {
  /** The pg-boss schema: each variant gets its own, so none sees another's jobs. */
  schema: string;
  /** undefined: pg-boss's default (2 s). */
  pollingIntervalSeconds?: number;
  /** Call notifyWorker after each send. */
  wake: boolean;
}

export async function measurePgBossChain(
  databaseUrl: string,
  variant: PgBossVariant,
  length: number,
  repetitions: Repetitions,
): Promise<ChainMeasurement> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: variant.schema });
  boss.on('error', (err) => console.error(`[bench pg-boss ${variant.schema}] ${err.message}`));
  await boss.start();
  const queue = 'bench-chain';
  await boss.createQueue(queue);
  try {
    let chain: { starts: number[]; ends: number[]; done: () => void } | undefined;
    let chainNumber = 0;
    const options =
      variant.pollingIntervalSeconds === undefined
        ? {}
        : { pollingIntervalSeconds: variant.pollingIntervalSeconds };
    const workerId: string = await boss.work<{ chain: number; i: number }>(
      queue,
      options,
      async ([job]) => {
        const startedAt = performance.now();
        if (!job || !chain || job.data.chain !== chainNumber) return;
        const { i } = job.data;
        chain.starts[i] = startedAt;
        if (i < length - 1) {
          await boss.send(queue, { chain: job.data.chain, i: i + 1 });
          if (variant.wake) boss.notifyWorker(workerId);
        }
        chain.ends[i] = performance.now();
        if (i === length - 1) chain.done();
      },
    );
    const runs = await repeat(repetitions, async () => {
      const starts: number[] = [];
      const ends: number[] = [];
      const finished = new Promise<void>((done) => {
        chain = { starts, ends, done };
      });
      chainNumber++;
      const t0 = performance.now();
      await boss.send(queue, { chain: chainNumber, i: 0 });
      if (variant.wake) boss.notifyWorker(workerId);
      await finished;
      const hops = starts.slice(1).map((start, i) => start - ends[i]!);
      return { total: ends[length - 1]! - t0, hops };
    });
    return { totals: runs.map((r) => r.total), hops: runs.flatMap((r) => r.hops) };
  } finally {
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
