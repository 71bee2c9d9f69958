/**
 * A for-each of 10,000 items must not cost more per item as it goes. The two
 * statements every item's finish sends, its completion and its for-each's
 * progress, are held here to plans that look at a few rows, read through
 * EXPLAIN ANALYZE of exactly the SQL the engine sends: on a fresh database,
 * whose statistics still say task_runs is nearly empty (the benchmark's
 * case, and any new install's first large for-each), and again once
 * ANALYZE has seen the items. Planned on those statistics, both statements
 * once walked all 10,000 items on every finish (the completion through the
 * run's index, the progress through the items' index in item order), and a
 * 10,000-item for-each slowed as it went. Each is checked both with the plan
 * made for its values and with its generic plan, which is the one the
 * engine runs (it pipelines them: GENERIC_PLANS in db/client.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pgUtils from 'pg/lib/utils';
import { completionStatement } from '@/server/execution/attempt';
import { itemProgressStatement } from '@/server/execution/for-each-items';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { nodesOf, type PlanNode } from '../helpers/query-plans';
import { seedFlows } from '../helpers/seed-runs';

const ITEMS = 10_000;
/** Items 0–8,999 completed, 9,000–9,009 running (each holding a slot), the rest pending. */
const DONE = 9_000;
const RUNNING = 10;
/** Far below the items' count, above what any good plan reads. */
const MAX_ROWS_LOOKED_AT = 200;

let tdb: TestDatabase;
let runId: string;
let forEachId: string;
const dialect = new PgDialect({ casing: 'snake_case' });

before(async () => {
  tdb = await createTestDatabase();
  const [flowId] = await seedFlows(tdb.db, 0);
  const { rows } = await tdb.db.$client.query<{ run_id: string; for_each_id: string }>(
    `with run as (
       insert into flow_runs (flow_id, flow_version_id, state, trigger, started_at)
       select f.id, v.id, 'running', 'manual', now() from flows f
       join flow_versions v on v.flow_id = f.id where f.id = $1 returning id
     ), each as (
       insert into task_runs (flow_run_id, node_id, node_type, state, attempt, started_at, holds_slot)
       select id, 'each', 'for-each', 'running', 1, now(), true from run returning id, flow_run_id
     ) select flow_run_id as run_id, id as for_each_id from each`,
    [flowId],
  );
  runId = rows[0]!.run_id;
  forEachId = rows[0]!.for_each_id;
  await tdb.db.$client.query(
    `insert into task_runs (flow_run_id, node_id, node_type, state, attempt, parent_task_run_id,
       item_index, item, output, ready_at, queued_at, started_at, ended_at, holds_slot,
       lease_expires_at)
     select $1, 'each[' || i || ']', 'code',
       case when i < $3 then 'completed' when i < $3 + $4 then 'running' else 'pending' end,
       case when i < $3 + $4 then 1 else 0 end, $2, i, to_jsonb(i),
       case when i < $3 then to_jsonb(i) end, now(),
       case when i < $3 + $4 then now() end, case when i < $3 + $4 then now() end,
       case when i < $3 then now() end, i >= $3 and i < $3 + $4,
       case when i >= $3 and i < $3 + $4 then now() + interval '1 minute' end
     from generate_series(0, $5 - 1) as i`,
    [runId, forEachId, DONE, RUNNING, ITEMS],
  );
  await tdb.db.$client.query(
    `insert into task_attempts (task_run_id, attempt, state, started_at)
     select id, 1, 'running', now() from task_runs where parent_task_run_id = $1 and state = 'running'`,
    [forEachId],
  );
});

after(async () => {
  await tdb?.drop();
});

/**
 * EXPLAIN ANALYZE of a statement, in a transaction rolled back (the
 * completion's updates are not kept): how many task_runs rows or index
 * entries its scans looked at, and the plan in one line for the message.
 * `generic`: the plan made without its parameters' values, as the engine's
 * pipelined statements run (GENERIC_PLANS in db/client.ts); otherwise the
 * plan made for these values.
 */
async function rowsLookedAt(
  statement: SQL,
  generic: boolean,
): Promise<{ looked: number; shown: string }> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const client = await tdb.db.$client.connect();
  let prepared = false;
  try {
    await client.query('begin');
    let result: { rows: Record<string, unknown>[] };
    if (generic) {
      await client.query(`prepare planned as ${text}`);
      prepared = true;
      await client.query('set local plan_cache_mode = force_generic_plan');
      const literals = params.map((p) => {
        const value = pgUtils.prepareValue(p);
        return value === null ? 'null' : client.escapeLiteral(String(value));
      });
      result = await client.query(
        `explain (analyze, format json) execute planned(${literals.join(', ')})`,
      );
    } else {
      result = await client.query(`explain (analyze, format json) ${text}`, params);
    }
    const [root] = result.rows[0]!['QUERY PLAN'] as [{ Plan: PlanNode }];
    const scans = nodesOf(root.Plan).filter(
      (n) => n['Relation Name'] === 'task_runs' || n['Index Name']?.startsWith('task_runs'),
    );
    const looked = scans.reduce(
      (sum, n) =>
        sum +
        ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1),
      0,
    );
    const shown = scans
      .map((n) => `${n['Node Type']}(${n['Index Name'] ?? n['Relation Name']})`)
      .join(' ');
    return { looked, shown };
  } finally {
    await client.query('rollback');
    if (prepared) await client.query('deallocate planned');
    client.release();
  }
}

async function runningItems(count: number) {
  const { rows } = await tdb.db.$client.query<{ id: string }>(
    `select id from task_runs where parent_task_run_id = $1 and state = 'running'
     order by item_index limit $2`,
    [forEachId, count],
  );
  return rows.map(({ id }) => ({ taskRunId: id, attempt: 1, json: '1', bytes: 1, expires: null }));
}

async function assertFewRowsLookedAt() {
  for (const generic of [false, true]) {
    const plan = generic ? 'generic plan' : 'plan for its values';
    const progress = await rowsLookedAt(itemProgressStatement(forEachId, 10), generic);
    assert.ok(
      progress.looked <= MAX_ROWS_LOOKED_AT,
      `the for-each's progress (${plan}) looked at ${progress.looked} rows of task_runs: ${progress.shown}`,
    );
    const completion = await rowsLookedAt(
      completionStatement(await runningItems(4), runId, new Date()),
      generic,
    );
    assert.ok(
      completion.looked <= MAX_ROWS_LOOKED_AT,
      `completing 4 items (${plan}) looked at ${completion.looked} rows of task_runs: ${completion.shown}`,
    );
  }
}

describe('a for-each of 10,000 items: each finish looks at a few rows, not all of them', () => {
  test('on a fresh database (statistics from before the items existed)', async () => {
    await assertFewRowsLookedAt();
  });

  test('once ANALYZE has seen the items', async () => {
    await tdb.db.execute(sql`analyze task_runs`);
    await assertFewRowsLookedAt();
  });
});
