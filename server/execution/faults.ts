import { env } from '@/server/env';

/**
 * Where the fault-injection suite may kill a worker: the moments between
 * durable steps, where a crash is most likely to lose or duplicate work.
 * - `before-claim`: a job was fetched, nothing written yet;
 * - `after-claim`: the attempt is Running (committed), its code not started;
 * - `before-finish`: the code returned, its outcome not committed;
 * - `after-finish`: the outcome and the dispatch of what follows are
 *   committed, nothing after it has started.
 */
export type FaultPoint = 'before-claim' | 'after-claim' | 'before-finish' | 'after-finish';

let dice: (() => number) | undefined;

/**
 * mulberry32: small, seeded, good enough to pick kill points reproducibly
 * (the fault-injection harness draws its own choices from it too).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * With PIPEWRIGHT_FAULTS naming this point, SIGKILLs the process with the
 * configured probability: no cleanup, no graceful anything, exactly what a
 * power cut or the OOM killer does. Otherwise a no-op.
 */
export function faultPoint(point: FaultPoint): void {
  const { PIPEWRIGHT_FAULTS: faults, PIPEWRIGHT_FAULT_SEED: seed } = env();
  if (faults.size === 0) return;
  const chance = faults.get(point);
  if (!chance) return;
  dice ??= seededRandom(seed);
  if (dice() < chance) {
    process.stderr.write(`fault injection: SIGKILL at ${point}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
