import pg from 'pg';

/** Runs deleted per transaction: short transactions, short row locks, bounded WAL bursts. */
export const DEFAULT_RETENTION_BATCH = 500;

/** Session-level advisory lock: one cleanup at a time across every worker. */
const RETENTION_LOCK = 'pipewright-retention';

export interface RetentionOptions {
  /** PIPEWRIGHT_RETENTION_DAYS: days for flows without their own setting; 0 = forever. */
  globalDays: number;
  batchSize?: number;
  /** The clock (tests move it). */
  now?: Date;
  /** Stops between batches (worker shutdown). */
  signal?: AbortSignal;
}

export interface RetentionResult {
  /** False when another process held the cleanup lock (nothing was done). */
  ran: boolean;
  batches: number;
  runs: number;
  taskRuns: number;
  attempts: number;
  transitions: number;
  logs: number;
}

/**
 * Deletes finished runs older than their flow's retention, with their task
 * runs, attempts, transitions and logs, in batches of `batchSize` runs per
 * transaction. Never touches a run that is not terminal, nor one whose
 * task runs are the source of a cache entry that has not expired yet.
 *
 * Every statement is index-driven: expired runs are read per flow from
 * `flow_runs_expiry_idx` (flow_id, ended_at) WHERE terminal, oldest first,
 * so the scan stops at the first run still inside the window; children are
 * deleted by the indexes that lead with their parent's id.
 */
export async function deleteExpiredRuns(
  /** Its own connection, never one of the engine's pool: see ARCHITECTURE.md. */
  databaseUrl: string,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const result: RetentionResult = {
    ran: false,
    batches: 0,
    runs: 0,
    taskRuns: 0,
    attempts: 0,
    transitions: 0,
    logs: 0,
  };
  const batchSize = options.batchSize ?? DEFAULT_RETENTION_BATCH;
  const now = options.now ?? new Date();
  // A connection of its own: a pass waiting on the database must never take
  // a connection the engine needs to finish a task (its pool is sized for it).
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'pipewright-retention',
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const lock = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as locked',
      [RETENTION_LOCK],
    );
    if (!lock.rows[0]?.locked) return result;
    result.ran = true;
    try {
      const policies = await client.query<{ id: string; days: number }>(
        `select id, coalesce(retention_days, $1::int) as days from flows
          where coalesce(retention_days, $1::int) > 0`,
        [options.globalDays],
      );
      for (const flow of policies.rows) {
        const cutoff = new Date(now.getTime() - flow.days * 86_400_000);
        for (;;) {
          if (options.signal?.aborted) return result;
          const deleted = await deleteBatch(client, flow.id, cutoff, now, batchSize);
          if (deleted.runs === 0) break;
          result.batches++;
          result.runs += deleted.runs;
          result.taskRuns += deleted.taskRuns;
          result.attempts += deleted.attempts;
          result.transitions += deleted.transitions;
          result.logs += deleted.logs;
          if (deleted.runs < batchSize) break;
        }
      }
    } finally {
      await client
        .query('select pg_advisory_unlock(hashtext($1))', [RETENTION_LOCK])
        .catch(() => {});
    }
    return result;
  } finally {
    // Closing the session also releases the advisory lock, whatever happened.
    await client.end().catch(() => {});
  }
}

/**
 * The statements of one batch, exported so a test can EXPLAIN exactly what
 * runs (each must be driven by an index, never a scan of a big table).
 */
export const RETENTION_STATEMENTS = {
  // SKIP LOCKED: a run someone is reading for update (a retry starting
  // from it) is left for the next pass instead of waited on.
  /** $1 flow id, $2 cutoff, $3 now, $4 limit. */
  pickExpiredRuns: `select fr.id from flow_runs fr
        where fr.flow_id = $1
          and fr.state in ('completed','failed','cancelled','crashed')
          and fr.ended_at < $2
          and not exists (
            select 1 from task_runs tr
             where tr.flow_run_id = fr.id and tr.cache_expires_at > $3)
        order by fr.ended_at
        limit $4
        for update of fr skip locked`,
  // Children first, each by the index leading with the parent id, so the
  // ON DELETE CASCADE triggers of the last statement find nothing left to do.
  deleteLogs: 'delete from run_logs where flow_run_id = any($1::uuid[])',
  deleteTransitions: 'delete from run_transitions where flow_run_id = any($1::uuid[])',
  selectTaskRuns: 'select id from task_runs where flow_run_id = any($1::uuid[])',
  /** $1 task run ids. */
  deleteAttempts: 'delete from task_attempts where task_run_id = any($1::uuid[])',
  deleteTaskRuns: 'delete from task_runs where flow_run_id = any($1::uuid[])',
  deleteRuns: 'delete from flow_runs where id = any($1::uuid[])',
} as const;

/** One transaction: picks up to `limit` expired runs of a flow and deletes them bottom-up. */
async function deleteBatch(
  client: pg.Client,
  flowId: string,
  cutoff: Date,
  now: Date,
  limit: number,
) {
  await client.query('begin');
  try {
    const S = RETENTION_STATEMENTS;
    const picked = await client.query<{ id: string }>(S.pickExpiredRuns, [
      flowId,
      cutoff,
      now,
      limit,
    ]);
    const ids = picked.rows.map((r) => r.id);
    if (ids.length === 0) {
      await client.query('commit');
      return { runs: 0, taskRuns: 0, attempts: 0, transitions: 0, logs: 0 };
    }
    const logs = await client.query(S.deleteLogs, [ids]);
    const transitions = await client.query(S.deleteTransitions, [ids]);
    const taskIds = (await client.query<{ id: string }>(S.selectTaskRuns, [ids])).rows.map(
      (r) => r.id,
    );
    const attempts = await client.query(S.deleteAttempts, [taskIds]);
    const taskRuns = await client.query(S.deleteTaskRuns, [ids]);
    const runs = await client.query(S.deleteRuns, [ids]);
    await client.query('commit');
    return {
      runs: runs.rowCount ?? 0,
      taskRuns: taskRuns.rowCount ?? 0,
      attempts: attempts.rowCount ?? 0,
      transitions: transitions.rowCount ?? 0,
      logs: logs.rowCount ?? 0,
    };
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
