/**
 * The few statistics the benchmarks report. Kept free of I/O so they are
 * unit-tested (tests/bench/stats.test.ts).
 */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not within 0..100`);
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest rank: the smallest sample with at least p% of samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The middle sample (mean of the two middle ones for an even count); NaN when there are none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** How a figure was repeated: what the table prints beside it. */
export interface Repetitions {
  warmUps: number;
  measured: number;
}

/**
 * Runs `once` `warmUps` times (results dropped: JIT, caches, warm sandbox
 * hosts) and then `measured` times, returning the measured results in order.
 */
export async function repeat<T>(
  { warmUps, measured }: Repetitions,
  once: (index: number, warmUp: boolean) => Promise<T>,
): Promise<T[]> {
  for (let i = 0; i < warmUps; i++) await once(i, true);
  const results: T[] = [];
  for (let i = 0; i < measured; i++) results.push(await once(i, false));
  return results;
}

export function describeRepetitions({ warmUps, measured }: Repetitions): string {
  const runs = measured === 1 ? '1 run' : `median of ${measured}`;
  return warmUps === 0
    ? `${runs}, no warm-up`
    : `${runs} after ${warmUps === 1 ? 'a warm-up' : `${warmUps} warm-ups`}`;
}
