/**
 * `npm run bench:runs-list`: the runs list and the dashboard at 100,000
 * runs and 1,000,000 log lines (5 per run, plus 10,000 for each of the 50
 * newest runs), on a fresh embedded PostgreSQL in a temp directory (never
 * your own database: it is filled with generated rows).
 *
 * Prints p50 / p95 over repeated calls of the real service functions
 * (listFlowRuns, countRunsOverTime, durationTrend) for the first page, a
 * deep page (the 90,000th run), each filter, and the dashboard ranges; and,
 * for comparison, the first page with warning/error counts taken by
 * counting run_logs per row, as before the counters.
 *
 *   npm run bench:runs-list [-- <runs> <log lines per run>]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createDatabase, type Database } from '../db/client';
import { startEmbeddedPostgres } from '../db/embedded';
import { runMigrations } from '../db/migrate';
import { durationTrend } from '../server/dashboard/duration-trend';
import { countRunsOverTime } from '../server/dashboard/run-counts';
import { type ListFlowRunsInput, listFlowRuns, runsListQuery } from '../server/runs/queries';
import { seedFlows, seedRuns } from '../tests/helpers/seed-runs';

const RUNS = Number(process.argv[2] ?? 100_000);
const LOGS_PER_RUN = Number(process.argv[3] ?? 5);
const REPEAT = 30;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(name: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await fn(); // warm the cache and the plan
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const fmt = (n: number) => `${n.toFixed(2).padStart(7)} ms`;
  console.log(
    `${name.padEnd(52)} p50 ${fmt(percentile(times, 50))}   p95 ${fmt(percentile(times, 95))}`,
  );
}

/** The cursor after the `n`th run of a filtered list (what "Load more" × n/50 reaches). */
async function cursorAt(db: Database, input: ListFlowRunsInput, n: number) {
  const [row] = await (await runsListQuery(db, { ...input, limit: 1 })).query.offset(n - 1);
  if (!row) throw new Error(`no run number ${n}`);
  return row.cursorKey;
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-bench-list-'));
  const server = await startEmbeddedPostgres({ dataDir: tmp });
  const db = createDatabase(server.url, { max: 2 });
  try {
    await runMigrations(server.url);
    const t0 = performance.now();
    const flowIds = await seedFlows(db, 10);
    // A run every ~26 s over a month, so the 24 h / 7 d / 30 d ranges differ.
    await seedRuns(db, RUNS, flowIds, 26);
    const seeded = performance.now();
    // A few log lines per run, and the 50 newest runs were chatty: 10,000
    // lines each (an attempt's cap), the case per-row counting suffers from.
    const level = (n: string) =>
      sql.raw(
        `(array['debug','info','info','info','info','info','info','warn','warn','error'])[1 + (${n} + abs(hashtext(r.id::text))) % 10]`,
      );
    await db.execute(sql`
      insert into run_logs (flow_run_id, level, message, at)
      select r.id, ${level('g')}, 'line ' || g, r.created_at
      from flow_runs r cross join generate_series(1, ${LOGS_PER_RUN}) g`);
    await db.execute(sql`
      insert into run_logs (flow_run_id, level, message, at)
      select r.id, ${level('g')}, 'line ' || g, r.created_at
      from (select id, created_at from flow_runs order by created_at desc nulls last, id desc nulls last limit 50) r
      cross join generate_series(1, 10000) g`);
    await db.execute(sql`vacuum analyze`);
    const [counts] = (
      await db.execute<{ runs: number; logs: number }>(
        sql`select (select count(*) from flow_runs)::int as runs, (select count(*) from run_logs)::int as logs`,
      )
    ).rows;
    console.log(
      `Pipewright runs list benchmark (${os.cpus().length} cores, Node ${process.version}): ${counts?.runs.toLocaleString('en')} runs, ${counts?.logs.toLocaleString('en')} log lines (runs seeded in ${((seeded - t0) / 1000).toFixed(1)} s by one INSERT … SELECT generate_series)`,
    );
    console.log(`${REPEAT} calls each, page size 50\n`);

    const flowId = flowIds[3]!;
    const rare = flowIds.at(-1)!;
    const deep = await cursorAt(db, {}, 90_000);
    const deepFlow = await cursorAt(db, { flowId }, 9_000);
    const deepFailed = await cursorAt(db, { state: 'failed' }, 15_000);

    await measure('list: first page', () => listFlowRuns(db, {}));
    await measure('list: deep page (after run 90,000)', () => listFlowRuns(db, { cursor: deep }));
    await measure('list: flow filter, first page', () => listFlowRuns(db, { flowId }));
    await measure('list: flow filter, deep page (after 9,000)', () =>
      listFlowRuns(db, { flowId, cursor: deepFlow }),
    );
    await measure('list: flow with 1 run in 1,000', () => listFlowRuns(db, { flowId: rare }));
    await measure('list: state = failed, deep page (after 15,000)', () =>
      listFlowRuns(db, { state: 'failed', cursor: deepFailed }),
    );
    await measure('list: trigger = webhook', () => listFlowRuns(db, { trigger: 'webhook' }));
    await measure('list: date range (one day, a week ago)', () =>
      listFlowRuns(db, {
        from: new Date(Date.now() - 8 * 86_400_000),
        to: new Date(Date.now() - 7 * 86_400_000),
      }),
    );
    await measure('list: text search "batch": 42 (params)', () =>
      listFlowRuns(db, { search: '"batch": 42' }),
    );
    await measure('list: text search, no match', () =>
      listFlowRuns(db, { search: 'no such text' }),
    );
    // What the counters replaced: counting run_logs per row of the page.
    await measure('list: first page, counting run_logs per row (old)', () =>
      db.execute(sql`
        select r.id,
          (select count(*)::int from run_logs l where l.flow_run_id = r.id and l.level = 'warn') as warnings,
          (select count(*)::int from run_logs l where l.flow_run_id = r.id and l.level = 'error') as errors
        from flow_runs r order by r.created_at desc nulls last, r.id desc nulls last limit 51`),
    );
    console.log('');
    for (const range of ['24h', '7d', '30d'] as const) {
      await measure(`dashboard: runs by state, ${range}`, () => countRunsOverTime(db, { range }));
      await measure(`dashboard: duration p50/p95 of one flow, ${range}`, () =>
        durationTrend(db, { range, flowId }),
      );
    }
  } finally {
    await db.$client.end();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
