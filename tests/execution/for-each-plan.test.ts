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
 * 10,000-item for-each slowed as it went. The claim of the next items
 * (claimsStatement, several in one statement) is held to the same. Each is
 * checked both with the plan made for its values and with its generic plan,
 * which is the one the engine runs (it pipelines them: GENERIC_PLANS in
 * db/client.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import pgUtils from 'pg/lib/utils';
import { GENERIC_PLANS } from '@/db/client';
import type { FlowRunRow } from '@/server/execution/advance';
import { claimsStatement, completionStatement } from '@/server/execution/attempt';
import type { WorkerDeps } from '@/server/execution/deps';
import { itemProgressStatement } from '@/server/execution/for-each-items';
import { Handoff } from '@/server/execution/handoff';
import { noSecrets } from '@/server/secrets/redactor';
import { startBoss } from '@/server/worker/boss';
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
  // The claim of a queued task cancels its pg-boss job: pg-boss makes its schema.
  const boss = await startBoss(tdb.url, { supervise: false });
  await boss.stop({ graceful: false, wait: true });
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
  early = await planEarly();
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
  early?.client.release();
  await tdb?.drop();
});

/**
 * A connection whose generic plans of the three statements were made before
 * the items existed, on a task_runs of one row, and kept: as a worker's
 * pooled connection keeps the plans it made for a run's first tasks when a
 * for-each then adds its items. Nothing replans them until ANALYZE.
 */
let early: { client: pg.PoolClient; names: Map<string, string> } | undefined;

async function planEarly(): Promise<NonNullable<typeof early>> {
  const client = await tdb.db.$client.connect();
  const names = new Map<string, string>();
  const none = { id: randomUUID(), node_id: 'each[0]' };
  const statements = [
    itemProgressStatement(forEachId, 10),
    completionStatement(completions([none.id]), runId, new Date()),
    claimsStatement(deps, itemClaims([none])),
  ];
  for (const [i, statement] of statements.entries()) {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    const name = `early_${i}`;
    await client.query(`prepare ${name} as ${text}`);
    // The first execution makes the generic plan, which later ones reuse.
    await client.query('begin');
    for (const setting of GENERIC_PLANS) await client.query(setting.text);
    await client.query(`execute ${name}(${literals(client, params)})`);
    await client.query('rollback');
    names.set(text, name);
  }
  return { client, names };
}

function literals(client: pg.ClientBase, params: unknown[]): string {
  return params
    .map((p) => {
      const value = pgUtils.prepareValue(p);
      return value === null ? 'null' : client.escapeLiteral(String(value));
    })
    .join(', ');
}

/** How a statement is planned: for its values, generically, or generically before the items existed. */
type Planning = 'for its values' | 'generic' | 'generic, before the items';
const PLANNINGS: Planning[] = ['for its values', 'generic', 'generic, before the items'];

/**
 * EXPLAIN ANALYZE of a statement, in a transaction rolled back (the
 * completion's updates are not kept): how many task_runs rows or index
 * entries its scans looked at, and the plan in one line for the message.
 * `generic`: the plan made without its parameters' values, as the engine's
 * pipelined statements run (GENERIC_PLANS in db/client.ts), now or on the
 * early connection (planEarly).
 */
async function rowsLookedAt(
  statement: SQL,
  planning: Planning,
): Promise<{ looked: number; shown: string; updated: number }> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const earlyName = planning === 'generic, before the items' ? early!.names.get(text) : undefined;
  if (planning === 'generic, before the items' && !earlyName) {
    throw new Error('this statement was not planned early (planEarly)');
  }
  const client = earlyName ? early!.client : await tdb.db.$client.connect();
  let prepared = false;
  try {
    await client.query('begin');
    // As the engine's pipelines run them.
    if (planning !== 'for its values') {
      for (const setting of GENERIC_PLANS) await client.query(setting.text);
    }
    let result: { rows: Record<string, unknown>[] };
    if (earlyName) {
      result = await client.query(
        `explain (analyze, format json) execute ${earlyName}(${literals(client, params)})`,
      );
    } else if (planning === 'generic') {
      await client.query(`prepare planned as ${text}`);
      prepared = true;
      result = await client.query(
        `explain (analyze, format json) execute planned(${literals(client, params)})`,
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
    // Rows the statement's update of task_runs changed.
    const updated = nodesOf(root.Plan)
      .filter((n) => n['Node Type'] === 'ModifyTable' && n['Relation Name'] === 'task_runs')
      .reduce((sum, n) => sum + (n['Actual Rows'] ?? 0), 0);
    return { looked, shown, updated };
  } finally {
    await client.query('rollback');
    if (prepared) await client.query('deallocate planned');
    if (!earlyName) client.release();
  }
}

async function items(state: 'running' | 'pending', count: number) {
  const { rows } = await tdb.db.$client.query<{ id: string; node_id: string }>(
    `select id, node_id from task_runs where parent_task_run_id = $1 and state = $2
     order by item_index limit $3`,
    [forEachId, state, count],
  );
  return rows;
}

function completions(ids: string[]) {
  return ids.map((id) => ({ taskRunId: id, attempt: 1, json: '1', bytes: 1, expires: null }));
}

/** The claims of these pending items, as a finishing worker that took them sends them. */
function itemClaims(
  rows: { id: string; node_id: string }[],
): Parameters<typeof claimsStatement>[1] {
  const run = { id: runId, state: 'running' } as FlowRunRow;
  const slots = { reserve: () => true, release: () => {}, runReserved: () => {} };
  const handoff = new Handoff(slots, () => true);
  const now = new Date();
  return rows.map(({ id, node_id: nodeId }) => ({
    run,
    job: { taskRunId: id, attempt: 1 },
    handedOff: {
      taskRunId: id,
      attempt: 1,
      flowRunId: runId,
      nodeId,
      run,
      handoff,
      dispatch: { readyAt: now, concurrencyTag: null, pool: 'default' },
    },
    fromState: 'pending',
    config: { source: 'return item;' },
    redactor: noSecrets,
    key: null,
    now,
    returnRow: { upstream: [], kept: [] },
  }));
}

const deps = { workerId: 'plan-test', limits: { leaseMs: 30_000 } } as WorkerDeps;

async function assertFewRowsLookedAt() {
  for (const planning of PLANNINGS) {
    const plan = `planned ${planning}`;
    const progress = await rowsLookedAt(itemProgressStatement(forEachId, 10), planning);
    assert.ok(
      progress.looked <= MAX_ROWS_LOOKED_AT,
      `the for-each's progress (${plan}) looked at ${progress.looked} rows of task_runs: ${progress.shown}`,
    );
    const completion = await rowsLookedAt(
      completionStatement(
        completions((await items('running', 4)).map(({ id }) => id)),
        runId,
        new Date(),
      ),
      planning,
    );
    assert.ok(
      completion.looked <= MAX_ROWS_LOOKED_AT,
      `completing 4 items (${plan}) looked at ${completion.looked} rows of task_runs: ${completion.shown}`,
    );
    const claims = itemClaims(await items('pending', 4));
    const claim = await rowsLookedAt(claimsStatement(deps, claims), planning);
    assert.ok(
      claim.looked <= MAX_ROWS_LOOKED_AT,
      `claiming 4 items (${plan}) looked at ${claim.looked} rows of task_runs: ${claim.shown}`,
    );
    assert.equal(claim.updated, claims.length, `claiming 4 items (${plan}) claimed them all`);
  }
}

describe('a for-each of 10,000 items: each finish looks at a few rows, not all of them', () => {
  test('on a fresh database (statistics from before the items existed)', async () => {
    await assertFewRowsLookedAt();
  });

  test('once ANALYZE has seen the items', async () => {
    await tdb.db.execute(sql`analyze task_runs`);
    // ANALYZE replans the early connection's statements too.
    await assertFewRowsLookedAt();
  });
});
