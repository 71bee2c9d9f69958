import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import { inTransaction } from '@/db/client';
import { flowRuns, flows, schedules } from '@/db/schema';
import { InvalidInputError, NotFoundError } from '@/server/errors';
import { notifyRunLate } from '@/server/notifications/enqueue';
import { type DueRun, planCatchup } from '@/server/schedules/catchup';
import { claimNewlyLateRuns, type LateRun } from '@/server/schedules/late';
import { materializeSchedule } from '@/server/schedules/materialize';
import { lockFlowRun } from './advance';
import { type Clock, type EngineDeps, TASK_QUEUE } from './deps';
import { endScheduledRun } from './scheduled-runs';
import { launchFlowRun, resolveRunSource } from './start';

export interface SchedulerDeps extends EngineDeps {
  now: Clock;
}

export interface TickResult {
  materialized: number;
  late: LateRun[];
  started: number;
  skipped: number;
  failed: number;
}

const BATCH = 50;

/**
 * One pass of the scheduler, run by every worker process on a timer. Any
 * number of workers may tick at once: schedules are locked SKIP LOCKED while
 * their runs are materialised, (schedule, slot) is a unique key, late runs
 * are stamped by a guarded update, and a Scheduled run fires through a
 * guarded update under its row lock — so each slot fires exactly once.
 *
 * 1. top up the materialised runs of schedules whose first run came due
 *    (and record slots missed while no worker ran);
 * 2. stamp runs that became Late and queue their 'late' notifications, in
 *    one transaction (a crash between the two cannot lose the message);
 * 3. fire due Scheduled runs, or skip them per the schedule's catch-up policy.
 */
export async function schedulerTick(deps: SchedulerDeps): Promise<TickResult> {
  const now = deps.now();
  const result: TickResult = { materialized: 0, late: [], started: 0, skipped: 0, failed: 0 };

  const refill = await deps.db
    .select({ id: schedules.id })
    .from(schedules)
    .innerJoin(flows, eq(flows.id, schedules.flowId))
    .where(and(eq(schedules.active, true), lte(schedules.refillAt, now), isNull(flows.deletedAt)))
    .limit(BATCH);
  for (const { id } of refill) {
    result.materialized += await inTransaction(deps.db, async ({ tx }) => {
      const [schedule] = await tx
        .select()
        .from(schedules)
        .where(eq(schedules.id, id))
        .for('update', { skipLocked: true });
      // Another worker got here first (locked, or it already topped up).
      if (!schedule?.active || !schedule.refillAt || schedule.refillAt > now) return 0;
      return (await materializeSchedule(tx, schedule, now)).created;
    });
  }

  // A failure here (the claim rolls back with its notifications, to be
  // retried next tick) must not keep due runs from firing: step 3 still runs.
  let lateError: unknown;
  try {
    result.late = await inTransaction(deps.db, async (t) => {
      const late = await claimNewlyLateRuns(t.tx, now);
      for (const run of late) {
        // Deduplicated per (subscription, run): one message per late run.
        await notifyRunLate(
          deps,
          {
            flowId: run.flowId,
            runId: run.id,
            reason: `scheduled for ${run.scheduledFor.toISOString()}, not started yet`,
          },
          t,
        );
      }
      return late;
    });
  } catch (err) {
    lateError = err;
  }

  const dueSchedules = await deps.db
    .selectDistinct({ scheduleId: flowRuns.scheduleId })
    .from(flowRuns)
    .where(and(eq(flowRuns.state, 'scheduled'), lte(flowRuns.scheduledFor, now)))
    .limit(BATCH);
  for (const { scheduleId } of dueSchedules) {
    const due = await deps.db
      .select({ id: flowRuns.id, scheduledFor: flowRuns.scheduledFor, lateAt: flowRuns.lateAt })
      .from(flowRuns)
      .where(
        and(
          eq(flowRuns.state, 'scheduled'),
          lte(flowRuns.scheduledFor, now),
          scheduleId === null ? isNull(flowRuns.scheduleId) : eq(flowRuns.scheduleId, scheduleId),
        ),
      )
      .orderBy(asc(flowRuns.scheduledFor))
      .limit(500);
    const [schedule] = scheduleId
      ? await deps.db.select().from(schedules).where(eq(schedules.id, scheduleId))
      : [];
    if (!schedule) {
      // The schedule was deleted while these were being decided; deleting cancels them too.
      for (const run of due) {
        if (await endScheduledRun(deps.db, run, 'cancelled', 'its schedule was deleted'))
          result.skipped++;
      }
      continue;
    }
    const plan = planCatchup(schedule.catchup, schedule.catchupWindowMinutes, due as DueRun[], now);
    for (const { id, reason } of plan.cancel) {
      if (await endScheduledRun(deps.db, { id }, 'cancelled', reason)) result.skipped++;
    }
    for (const id of plan.start) {
      const outcome = await fireScheduledRun(deps, id, now);
      if (outcome === 'started') result.started++;
      else if (outcome === 'failed') result.failed++;
    }
  }
  if (lateError) throw lateError;
  return result;
}

/**
 * Fires one Scheduled run: resolves the version (the pinned one, else the
 * flow's latest now) and its parameters, moves the run Scheduled → Pending
 * (guarded, under the run's row lock) and creates and enqueues its tasks —
 * one transaction, the same launch as a manual start. A run that cannot
 * start (version gone, parameters no longer valid) ends Failed with the
 * reason; one whose flow was deleted is cancelled.
 */
export async function fireScheduledRun(
  deps: EngineDeps,
  runId: string,
  now: Date,
): Promise<'started' | 'failed' | 'cancelled' | 'not-due'> {
  const outcome = await inTransaction(deps.db, async (t) => {
    const { tx } = t;
    const run = await lockFlowRun(t, runId, 'skip');
    if (run?.state !== 'scheduled') return 'not-due' as const;
    const [schedule] = run.scheduleId
      ? await tx.select().from(schedules).where(eq(schedules.id, run.scheduleId))
      : [];
    const [flow] = await tx
      .select({ deletedAt: flows.deletedAt })
      .from(flows)
      .where(eq(flows.id, run.flowId));
    if (!flow || flow.deletedAt) {
      await endScheduledRun(tx, run, 'cancelled', 'the flow was deleted');
      return 'cancelled' as const;
    }
    let source: Awaited<ReturnType<typeof resolveRunSource>>;
    try {
      source = await resolveRunSource(t, {
        flowId: run.flowId,
        version: schedule ? schedule.pinnedVersion : null,
        params: run.params,
      });
    } catch (err) {
      if (!(err instanceof InvalidInputError || err instanceof NotFoundError)) throw err;
      await endScheduledRun(tx, run, 'failed', `could not start: ${err.message}`);
      return 'failed' as const;
    }
    const timeout = source.doc.settings?.timeoutSeconds;
    const started = new Date();
    const [fired] = await tx
      .update(flowRuns)
      .set({
        state: 'pending',
        flowVersionId: source.version.id,
        params: source.params,
        firedAt: now,
        // The run lists and the flow timeout count from when it fired, not
        // from when it was materialised ahead.
        createdAt: started,
        deadlineAt: timeout ? new Date(started.getTime() + timeout * 1000) : null,
      })
      .where(and(eq(flowRuns.id, run.id), eq(flowRuns.state, 'scheduled')))
      .returning();
    if (!fired) return 'not-due' as const;
    await launchFlowRun(
      t,
      deps,
      fired,
      source.doc,
      'scheduled',
      `fired by schedule "${schedule?.name ?? run.triggeredBy ?? '?'}" (due ${run.scheduledFor?.toISOString()})`,
    );
    return 'started' as const;
  });
  if (outcome === 'started') deps.wakeLocal(TASK_QUEUE);
  return outcome;
}
