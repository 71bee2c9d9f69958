import type { CatchupPolicy } from '@/db/schema';

export interface DueRun {
  id: string;
  scheduledFor: Date;
  /** When the run counts as Late (scheduledFor + the schedule's threshold). */
  lateAt: Date | null;
}

export interface CatchupPlan {
  start: string[];
  cancel: { id: string; reason: string }[];
}

function minutesLate(run: DueRun, now: Date): number {
  return Math.round((now.getTime() - run.scheduledFor.getTime()) / 60_000);
}

/**
 * Which due runs of one schedule start and which are skipped (cancelled,
 * with the reason on the run). A run that is due but not late always starts;
 * the policy only decides about late ones — slots missed while no worker
 * was running:
 * - `all`: every missed run starts;
 * - `latest`: only the newest due run starts, the older late ones are skipped;
 * - `skip`: late runs more than `windowMinutes` late are skipped.
 */
export function planCatchup(
  policy: CatchupPolicy,
  windowMinutes: number | null,
  due: DueRun[],
  now: Date,
): CatchupPlan {
  const plan: CatchupPlan = { start: [], cancel: [] };
  const newest = due.reduce<DueRun | undefined>(
    (best, run) => (!best || run.scheduledFor > best.scheduledFor ? run : best),
    undefined,
  );
  for (const run of [...due].sort((a, b) => a.scheduledFor.getTime() - b.scheduledFor.getTime())) {
    const late = run.lateAt !== null && run.lateAt <= now;
    if (!late || policy === 'all') {
      plan.start.push(run.id);
    } else if (policy === 'latest') {
      if (run === newest) plan.start.push(run.id);
      else
        plan.cancel.push({
          id: run.id,
          reason: `skipped: ${minutesLate(run, now)} minutes late, the schedule runs only the latest missed run (due ${newest!.scheduledFor.toISOString()})`,
        });
    } else {
      const window = windowMinutes ?? 0;
      const minutes = minutesLate(run, now);
      if (now.getTime() - run.scheduledFor.getTime() > window * 60_000) {
        plan.cancel.push({
          id: run.id,
          reason: `skipped: ${minutes} minutes late, the schedule skips runs later than ${window} minutes`,
        });
      } else {
        plan.start.push(run.id);
      }
    }
  }
  return plan;
}
