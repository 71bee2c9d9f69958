/**
 * "Cleanup stays cheap at tens of millions of log rows", shown by the query
 * plans rather than by timing: with about a million log lines (and the runs,
 * task runs, attempts and transitions they belong to) seeded by INSERT …
 * SELECT generate_series, every statement of a retention batch reads the big
 * tables through an index that leads with the parent's id (or the runs'
 * expiry index) — no Seq Scan on flow_runs, task_runs, task_attempts,
 * run_transitions or run_logs. Then one real cleanup pass deletes exactly
 * the expired ones. (Timings: `npm run bench:retention`.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import {
  DEFAULT_RETENTION_BATCH,
  deleteExpiredRuns,
  RETENTION_STATEMENTS,
} from '@/server/retention/cleanup';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { nodesOf, type PlanNode } from '../helpers/query-plans';
import { seedFlows } from '../helpers/seed-runs';

const RUNS_PER_FLOW = 40_000;
const TASKS_PER_RUN = 1;
const LOGS_PER_TASK = 13;
/** Of the first flow's runs, ended 40 days ago: two batches' worth. */
const EXPIRED_RUNS = 2 * DEFAULT_RETENTION_BATCH;
const BIG_TABLES = new Set([
  'flow_runs',
  'task_runs',
  'task_attempts',
  'run_transitions',
  'run_logs',
]);

let tdb: TestDatabase;
let client: pg.PoolClient;
let expiringFlow: string;

const q = (text: string, values: unknown[] = []) => client.query(text, values);
const steps: string[] = [];
/**
 * One bulk insert into `table`: its secondary indexes are dropped first and
 * built again after, from their own definitions — the same indexes, built
 * in one pass instead of a million random insertions.
 */
async function bulkInsert(table: string, text: string, values: unknown[] = []) {
  const t0 = Date.now();
  const { rows } = await q(
    `select i.indexname, i.indexdef from pg_indexes i
      join pg_class c on c.relname = i.indexname
      join pg_index x on x.indexrelid = c.oid
     where i.schemaname = 'public' and i.tablename = $1 and not x.indisprimary
       and not exists (select 1 from pg_constraint k where k.conindid = c.oid)`,
    [table],
  );
  for (const r of rows) await q(`drop index ${r.indexname}`);
  await q(text, values);
  for (const r of rows) await q(r.indexdef as string);
  steps.push(`${table} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

before(async () => {
  tdb = await createTestDatabase();
  client = await tdb.db.$client.connect();
  await q(`set maintenance_work_mem = '256MB'`);
  // Two flows: EXPIRED_RUNS of the first one's runs ended 40 days ago, the rest yesterday.
  const t0 = Date.now();
  const [first, second] = await seedFlows(tdb.db, 1, 'retention ');
  expiringFlow = first!;
  for (const flowId of [first!, second!]) {
    await q(
      `insert into flow_runs (flow_id, flow_version_id, state, trigger, created_at, started_at, ended_at)
       select $1, v.id, (array['completed','failed','cancelled','crashed'])[1 + g % 4], 'schedule',
              e - interval '1 minute', e - interval '1 minute', e
         from flow_versions v,
              lateral (select g, now() - make_interval(days => case when $1 = $3::uuid and g % $4 = 0 then 40 else 1 end)
                              - g * interval '1 second' as e
                         from generate_series(1, $2) g) s
        where v.flow_id = $1`,
      [flowId, RUNS_PER_FLOW, first, RUNS_PER_FLOW / EXPIRED_RUNS],
    );
  }
  await bulkInsert(
    'task_runs',
    `insert into task_runs (flow_run_id, node_id, node_type, state, attempt, output, started_at, ended_at)
     select fr.id, 't' || n, 'code', 'completed', 1, '1'::jsonb, fr.started_at, fr.ended_at
       from flow_runs fr cross join generate_series(1, $1) n`,
    [TASKS_PER_RUN],
  );
  await bulkInsert(
    'task_attempts',
    `insert into task_attempts (task_run_id, attempt, state, started_at, ended_at)
     select id, 1, 'completed', started_at, ended_at from task_runs`,
  );
  await bulkInsert(
    'run_transitions',
    `insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, at)
     select tr.flow_run_id, tr.id, s.f, s.t, tr.ended_at from task_runs tr
       cross join (values (null, 'pending'), ('pending', 'running'), ('running', 'completed')) s(f, t)`,
  );
  await bulkInsert(
    'run_logs',
    `insert into run_logs (flow_run_id, task_run_id, attempt, level, message, at)
     select tr.flow_run_id, tr.id, 1, 'info', 'processed batch ' || g, tr.ended_at
       from task_runs tr cross join generate_series(1, $1) g`,
    [LOGS_PER_TASK],
  );
  // As autovacuum would after such a load.
  await q('analyze');
  console.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${steps.join(', ')}`);
});

after(async () => {
  client?.release();
  await tdb?.drop();
});

/** The indexes on each table, to tell which table an index scan reads. */
async function indexTables(): Promise<Map<string, string>> {
  const rows = await q(`select indexname, tablename from pg_indexes where schemaname = 'public'`);
  return new Map(rows.rows.map((r) => [r.indexname as string, r.tablename as string]));
}

/**
 * The plan of one statement (EXPLAIN, in a transaction rolled back): no
 * Seq Scan on a big table, and `table` read through one of `indexes`.
 */
async function assertIndexed(
  label: string,
  statement: string,
  values: unknown[],
  table: string,
  indexes: string[],
) {
  await q('begin');
  let nodes: PlanNode[];
  try {
    const result = await q(`explain (format json) ${statement}`, values);
    nodes = nodesOf((result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan);
  } finally {
    await q('rollback');
  }
  const shown = nodes
    .map((n) => `${n['Node Type']}(${n['Index Name'] ?? n['Relation Name'] ?? ''})`)
    .join(' ');
  const seq = nodes.filter(
    (n) => n['Node Type'] === 'Seq Scan' && BIG_TABLES.has(n['Relation Name'] ?? ''),
  );
  assert.deepEqual(
    seq.map((n) => n['Relation Name']),
    [],
    `${label}: no Seq Scan on a big table: ${shown}`,
  );
  const tables = await indexTables();
  const used = nodes
    .map((n) => n['Index Name'])
    .filter((name): name is string => name !== undefined && tables.get(name) === table);
  assert.ok(
    used.some((name) => indexes.includes(name)),
    `${label}: ${table} read through ${indexes.join(' or ')}: ${shown}`,
  );
}

test('every statement of a retention batch is index-driven at a million log lines', async () => {
  const logs = Number((await q('select count(*)::int as n from run_logs')).rows[0].n);
  assert.equal(logs, 2 * RUNS_PER_FLOW * TASKS_PER_RUN * LOGS_PER_TASK);

  const now = new Date();
  const cutoff = new Date(now.getTime() - 30 * 86_400_000);
  const S = RETENTION_STATEMENTS;
  await assertIndexed(
    'pick expired runs',
    S.pickExpiredRuns,
    [expiringFlow, cutoff, now, DEFAULT_RETENTION_BATCH],
    'flow_runs',
    ['flow_runs_expiry_idx'],
  );
  const ids = (
    await q(S.pickExpiredRuns.replace(/for update of fr skip locked/, ''), [
      expiringFlow,
      cutoff,
      now,
      DEFAULT_RETENTION_BATCH,
    ])
  ).rows.map((r) => r.id as string);
  assert.equal(ids.length, DEFAULT_RETENTION_BATCH);
  const taskIds = (await q(S.selectTaskRuns, [ids])).rows.map((r) => r.id as string);
  assert.equal(taskIds.length, DEFAULT_RETENTION_BATCH * TASKS_PER_RUN);

  await assertIndexed('delete logs', S.deleteLogs, [ids], 'run_logs', ['run_logs_run_idx']);
  await assertIndexed('delete transitions', S.deleteTransitions, [ids], 'run_transitions', [
    'run_transitions_run_idx',
  ]);
  const byRun = ['task_runs_run_node_unique', 'task_runs_graph_idx'];
  await assertIndexed('select task runs', S.selectTaskRuns, [ids], 'task_runs', byRun);
  await assertIndexed('delete attempts', S.deleteAttempts, [taskIds], 'task_attempts', [
    'task_attempts_pkey',
    'task_attempts_task_run_id_attempt_pk',
  ]);
  await assertIndexed('delete task runs', S.deleteTaskRuns, [ids], 'task_runs', byRun);
  await assertIndexed('delete runs', S.deleteRuns, [ids], 'flow_runs', ['flow_runs_pkey']);

  // And the pass itself: the expired runs of the first flow go, nothing else.
  const t0 = Date.now();
  const result = await deleteExpiredRuns(tdb.url, { globalDays: 30, now });
  console.log(`cleanup pass in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(result.runs, EXPIRED_RUNS);
  assert.equal(result.logs, EXPIRED_RUNS * TASKS_PER_RUN * LOGS_PER_TASK);
  assert.equal(result.batches, EXPIRED_RUNS / DEFAULT_RETENTION_BATCH);
  const left = Number((await q('select count(*)::int as n from flow_runs')).rows[0].n);
  assert.equal(left, RUNS_PER_FLOW * 2 - EXPIRED_RUNS);
});
