import { randomUUID } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { inTransaction } from '@/db/client';
import { flowRuns, taskRuns } from '@/db/schema';
import { nodeSettings, shouldRetry } from '@/server/engine/retry';
import { ConflictError } from '@/server/errors';
import { BOSS_SCHEMA } from '@/server/worker/boss';
import { advanceFlowRun, lockFlowRun, sendTaskJob } from './advance';
import { endTask, scheduleRetry } from './attempt';
import { cancelFlowRun } from './cancel';
import { type EngineDeps, TASK_QUEUE } from './deps';
import { loadVersionDocument, nodeForTask } from './documents';
import { taskQueueSql } from './pools';

const BATCH = 50;

/** The window an attempt lost with its worker is retried in, per crash so far. */
export const CRASH_RETRY_SPREAD_MS = 1000;

/**
 * When an attempt lost with its worker is retried: at a random moment in a
 * window that widens with each crash of the task (1 s, 2 s, 3 s…). A task
 * that kills its worker every time (a poison task) dies with whatever ran
 * beside it. Retried at once, they were all sent again together, fetched
 * together by one worker and killed together again, until the healthy ones
 * were failed as the poison one is ("its worker died 4 times"). Spread out,
 * a retry rarely meets the poison task's again.
 */
export function crashRetryDelayMs(crashCount: number, random: () => number = Math.random) {
  return Math.floor(random() * CRASH_RETRY_SPREAD_MS * (crashCount + 1));
}

/**
 * The periodic safety net every worker runs (SKIP LOCKED, so many workers
 * share it without doing anything twice):
 * - attempts whose lease lapsed (their worker died) are marked crashed and
 *   retried, spread out in time (crashRetryDelayMs) — a lost worker does not
 *   use up the node's retries, up to `maxCrashRetries` times;
 * - runs past their flow timeout are cancelled and end Failed;
 * - queued tasks whose pg-boss job is gone are sent again (same attempt);
 * - ready tasks still waiting for a concurrency slot get another try.
 */
export async function sweep(
  deps: EngineDeps,
): Promise<{ crashed: number; timedOut: number; resent: number; dispatched: number }> {
  const result = { crashed: 0, timedOut: 0, resent: 0, dispatched: 0 };

  const lapsed = await deps.db
    .select({ id: taskRuns.id, flowRunId: taskRuns.flowRunId })
    .from(taskRuns)
    .where(and(eq(taskRuns.state, 'running'), lt(taskRuns.leaseExpiresAt, sql`now()`)))
    .limit(BATCH);
  for (const { id, flowRunId } of lapsed) {
    const recovered = await inTransaction(deps.db, async (t) => {
      const run = await lockFlowRun(t, flowRunId, 'skip');
      if (!run) return false;
      const [task] = await t.tx
        .select()
        .from(taskRuns)
        .where(eq(taskRuns.id, id))
        .for('no key update');
      if (task?.state !== 'running' || !task.leaseExpiresAt || task.leaseExpiresAt > new Date())
        return false;
      const { doc, nodes } = await loadVersionDocument(t.tx, run.flowVersionId);
      // A for-each item (`each[3]`) is not a document node: it runs the for-each's task.
      const node = nodeForTask(nodes, task.nodeId)?.node;
      if (!node) return false;
      const settings = nodeSettings(node, doc);
      const error = {
        message: `worker ${task.workerId ?? '?'} stopped responding (lease expired); the attempt was lost`,
      };
      if (run.state === 'cancelling') {
        await endTask(t, deps, run, task, 'cancelled', {
          reason: 'the run was cancelled',
          error,
          attemptState: 'crashed',
        });
      } else if (task.crashCount < deps.limits.maxCrashRetries) {
        await scheduleRetry(t, deps, run, task, settings, task.attempt, 'crashed', error, false, {
          delayMs: crashRetryDelayMs(task.crashCount),
        });
      } else if (shouldRetry(settings, task.attempt - task.crashCount)) {
        await scheduleRetry(t, deps, run, task, settings, task.attempt, 'crashed', error, true);
      } else {
        await endTask(t, deps, run, task, 'failed', {
          reason: `its worker died ${task.crashCount + 1} times; giving up`,
          error,
          attemptState: 'crashed',
        });
      }
      return true;
    });
    if (recovered) result.crashed++;
  }

  const overdue = await deps.db
    .select({ id: flowRuns.id, deadlineAt: flowRuns.deadlineAt, startedAt: flowRuns.createdAt })
    .from(flowRuns)
    .where(
      and(sql`${flowRuns.state} in ('pending', 'running')`, lt(flowRuns.deadlineAt, sql`now()`)),
    )
    .limit(BATCH);
  for (const run of overdue) {
    const seconds = Math.round((run.deadlineAt!.getTime() - run.startedAt.getTime()) / 1000);
    try {
      await cancelFlowRun(deps, run.id, {
        reason: `the flow timed out after ${seconds} s`,
        timedOut: true,
      });
      result.timedOut++;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }

  // Queued tasks whose job is gone (its handler failed before claiming, or
  // the job was lost): send it again, same attempt. Without this a run could
  // wait forever on a task nobody will pick up. A job still 'active' long
  // after it was fetched, its task never claimed, belonged to a worker that
  // died between fetch and claim: pg-boss would only expire it after its
  // expireIn (up to a day), so it counts as lost too. (A live worker claims
  // within milliseconds of fetching; a claimed task is Running with a lease,
  // or, resuming a suspended one, has a lease set.) The copy carries the
  // same attempt number, so if the old delivery did come back, only one of
  // them could claim.
  const lost = await deps.db.execute<{
    id: string;
    flow_run_id: string;
    stale_job: string | null;
  }>(sql`
    select tr.id, tr.flow_run_id,
      case when j.state::text = 'active' then j.id::text end as stale_job
    from task_runs tr
    left join ${sql.raw(BOSS_SCHEMA)}.job j on j.name = ${taskQueueSql('tr.pool')} and j.id = tr.job_id
    where tr.job_id is not null
      and tr.queued_at < now() - interval '30 seconds'
      and (tr.not_before is null or tr.not_before < now() - interval '30 seconds')
      and (tr.state in ('pending', 'retrying')
           or (tr.state = 'running' and tr.suspended_state is not null and tr.not_before is not null))
      and (j.id is null or j.state::text in ('completed', 'failed', 'cancelled')
           or (j.state::text = 'active' and j.started_on < now() - interval '30 seconds'
               and (tr.state in ('pending', 'retrying') or tr.lease_expires_at is null)))
    limit ${BATCH}`);
  for (const { id, flow_run_id, stale_job } of lost.rows) {
    const resent = await inTransaction(deps.db, async (t) => {
      const run = await lockFlowRun(t, flow_run_id, 'skip');
      if (!run) return false;
      const [task] = await t.tx.select().from(taskRuns).where(eq(taskRuns.id, id));
      if (!task?.jobId) return false;
      const { doc, nodes } = await loadVersionDocument(t.tx, run.flowVersionId);
      // A for-each item (`each[3]`) is not a document node: it runs the for-each's task.
      const node = nodeForTask(nodes, task.nodeId)?.node;
      if (!node) return false;
      const jobId = randomUUID();
      await t.tx.update(taskRuns).set({ jobId, queuedAt: new Date() }).where(eq(taskRuns.id, id));
      await sendTaskJob(
        t,
        deps,
        { taskRunId: id, attempt: task.attempt, flowRunId: run.id, nodeId: task.nodeId },
        nodeSettings(node, doc).timeoutSeconds,
        task.notBefore && task.notBefore > new Date() ? task.notBefore : undefined,
        jobId,
        task.pool,
      );
      return true;
    });
    if (resent) {
      result.resent++;
      deps.wakeLocal(TASK_QUEUE);
      // The dead worker's copy would otherwise show as active until it expires.
      if (stale_job) await cancelStaleJob(deps, stale_job);
    }
  }

  const waitingRuns = await deps.db.execute<{ flow_run_id: string }>(sql`
    select distinct flow_run_id from task_runs
    where queued_at is null and ready_at is not null and state = 'pending'
    limit ${BATCH}`);
  for (const { flow_run_id } of waitingRuns.rows) {
    await inTransaction(deps.db, async (t) => {
      const run = await lockFlowRun(t, flow_run_id, 'skip');
      if (run) await advanceFlowRun(t, deps, run);
    });
    result.dispatched++;
  }
  return result;
}

/** Best effort: the job stays harmless (fenced) if this fails. */
async function cancelStaleJob(deps: EngineDeps, jobId: string) {
  await deps.db
    .execute(
      sql`update ${sql.raw(BOSS_SCHEMA)}.job set state = 'cancelled', completed_on = now()
          where id = ${jobId} and state = 'active'`,
    )
    .catch(() => {});
}
