import { sql } from 'drizzle-orm';
import type { Runtime } from '@/server/runtime';
import { notifyQueue } from '@/server/worker/wake';

export interface HealthReport {
  ok: boolean;
  database: { ok: boolean; embedded: boolean; latencyMs?: number; error?: string };
  queue: { ok: boolean; roundTripMs?: number; error?: string };
  uptimeSeconds: number;
}

const QUEUE_TIMEOUT_MS = 5000;

/**
 * Proves the whole path works: the database answers, and a job sent through
 * pg-boss is picked up and completed by a worker (this process's or another's).
 */
export async function checkHealth(runtime: Runtime): Promise<HealthReport> {
  const report: HealthReport = {
    ok: false,
    database: { ok: false, embedded: runtime.embedded },
    queue: { ok: false },
    uptimeSeconds: Math.round((Date.now() - runtime.startedAt.getTime()) / 1000),
  };
  const t0 = performance.now();
  try {
    await runtime.db.execute(sql`select 1`);
    report.database = {
      ok: true,
      embedded: runtime.embedded,
      latencyMs: round(performance.now() - t0),
    };
  } catch (err) {
    report.database.error = (err as Error).message;
    report.queue.error = 'database unreachable';
    return report;
  }

  const t1 = performance.now();
  try {
    const jobId = await runtime.boss.send('health-check', { sentAt: new Date().toISOString() });
    if (!jobId) throw new Error('pg-boss refused the job');
    await notifyQueue(runtime.db, 'health-check');
    runtime.wakeLocal('health-check');
    const deadline = Date.now() + QUEUE_TIMEOUT_MS;
    for (;;) {
      const job = await runtime.boss.getJobById('health-check', jobId, { includeArchive: true });
      if (job?.state === 'completed') break;
      if (job?.state === 'failed') throw new Error('the health-check job failed');
      if (Date.now() > deadline) {
        throw new Error(
          `no worker completed a job within ${QUEUE_TIMEOUT_MS / 1000} s — is a worker running?`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    report.queue = { ok: true, roundTripMs: round(performance.now() - t1) };
  } catch (err) {
    report.queue.error = (err as Error).message;
  }
  report.ok = report.database.ok && report.queue.ok;
  return report;
}

function round(ms: number) {
  return Math.round(ms * 10) / 10;
}
