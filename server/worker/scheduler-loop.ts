import { type SchedulerDeps, schedulerTick } from '@/server/execution/scheduler';
import type { LateRun } from '@/server/schedules/late';

export interface SchedulerLoop {
  /** Ticks now (after the one in progress), e.g. after schedules changed. */
  tickNow(): void;
  stop(): Promise<void>;
}

/**
 * Runs the scheduler tick every `intervalMs` in this worker process; every
 * worker does, and the tick is safe to run concurrently (see schedulerTick).
 * Runs that became Late are handed to `onLate` once each, across all workers.
 */
export function startSchedulerLoop(
  deps: SchedulerDeps,
  options: {
    intervalMs: number;
    log(line: string): void;
    onLate(runs: LateRun[]): void | Promise<void>;
  },
): SchedulerLoop {
  let ticking: Promise<unknown> | undefined;
  let again = false;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = schedulerTick(deps)
      .then(async (result) => {
        if (result.late.length > 0) await options.onLate(result.late);
      })
      .catch((err: Error) => options.log(`scheduler: ${err.message}`))
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  tick();
  return {
    tickNow: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
    },
  };
}
