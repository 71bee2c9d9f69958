/**
 * "Fast at 100,000 runs", shown by the query plans rather than by timing:
 * with 100k runs seeded in one INSERT … SELECT generate_series, the runs
 * list's first page and a deep page read an index in the list's order and
 * stop after one page of rows — no Seq Scan on flow_runs, no Sort — for the
 * default view and for each filter the list offers an index for; a text
 * search reads its matches through indexes, never every run.
 * (Timings: `npm run bench:runs-list`.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { type ListFlowRunsInput, listFlowRuns, runsListQuery } from '@/server/runs/queries';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { nodesOf, type PlanNode } from '../helpers/query-plans';
import { seedFlows, seedRuns } from '../helpers/seed-runs';

const RUNS = 100_000;
const PAGE = 50;
let tdb: TestDatabase;
/** Ten flows share the runs evenly; `rare` has one run in a thousand. */
const flowIds: string[] = [];
let rareId: string;

before(async () => {
  tdb = await createTestDatabase();
  flowIds.push(...(await seedFlows(tdb.db, 10)));
  rareId = flowIds[10]!;
  await seedRuns(tdb.db, RUNS, flowIds);
});

after(async () => {
  await tdb?.drop();
});

/** EXPLAIN ANALYZE of exactly the SQL listFlowRuns sends. */
async function planOf(input: ListFlowRunsInput) {
  const query = (await runsListQuery(tdb.db, { limit: PAGE, ...input })).query.toSQL();
  const result = await tdb.db.$client.query(
    `explain (analyze, format json) ${query.sql}`,
    query.params as unknown[],
  );
  const [root] = result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }];
  return nodesOf(root.Plan);
}

/**
 * No Seq Scan on flow_runs; flow_runs read through one of `index`; at most
 * `maxRead` of its rows looked at (returned + removed by a filter), a bound
 * that does not grow with the page's depth; and no Sort of more than that.
 * The planner may walk the creation-time index and filter when matches are
 * common (a few hundred entries in table order), or for a flow with only a
 * couple of pages of runs fetch them all by its index and sort those: both
 * stay within the bound. What must never happen: reading or sorting the
 * table, or a page whose cost grows with how deep it is.
 */
async function assertIndexed(input: ListFlowRunsInput, index: string | string[], maxRead: number) {
  const nodes = await planOf(input);
  const shown = nodes
    .map((n) => `${n['Node Type']}(${n['Index Name'] ?? n['Relation Name'] ?? ''})`)
    .join(' ');
  assert.ok(
    !nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'flow_runs'),
    `no Seq Scan on flow_runs: ${shown}`,
  );
  const scan = nodes.find((n) => n['Relation Name'] === 'flow_runs');
  assert.ok(scan, 'flow_runs is read');
  const indexNode = scan['Node Type'] === 'Bitmap Heap Scan' ? scan.Plans?.[0] : scan;
  assert.ok(
    ([] as string[]).concat(index).includes(indexNode?.['Index Name'] ?? ''),
    `${shown}: uses ${index}`,
  );
  const read =
    ((scan['Actual Rows'] ?? 0) +
      (scan['Rows Removed by Filter'] ?? 0) +
      (scan['Rows Removed by Index Recheck'] ?? 0)) *
    (scan['Actual Loops'] ?? 1);
  assert.ok(read <= maxRead, `${shown}: read ${read} rows of flow_runs for one page`);
  for (const sort of nodes.filter((n) => n['Node Type'].includes('Sort'))) {
    const sorted = (sort.Plans?.[0]?.['Actual Rows'] ?? Infinity) * (sort['Actual Loops'] ?? 1);
    assert.ok(sorted <= maxRead, `${shown}: sorts ${sorted} rows`);
  }
  return read;
}

/** The cursor a user reaches after paging down to the `n`th matching run. */
async function cursorAt(input: ListFlowRunsInput, n: number): Promise<string> {
  const rows = await (await runsListQuery(tdb.db, { ...input, limit: 1 })).query.offset(n - 1);
  assert.ok(rows[0], `there is a run number ${n}`);
  return rows[0].cursorKey;
}

describe(`runs list at ${RUNS.toLocaleString('en')} runs`, () => {
  test('the seed is what the plans are about', async () => {
    const [row] = (
      await tdb.db.execute<{ n: number; rare: number }>(
        sql`select count(*)::int as n, count(*) filter (where flow_id = ${rareId})::int as rare from flow_runs`,
      )
    ).rows;
    assert.equal(row?.n, RUNS);
    assert.equal(row?.rare, RUNS / 1000);
  });

  // One page is PAGE + 1 entries (the extra one says whether there is more).
  const ONE_PAGE = PAGE + 1;

  test('default view: first page and a deep page walk flow_runs_created_idx', async () => {
    await assertIndexed({}, 'flow_runs_created_idx', ONE_PAGE);
    const deep = await cursorAt({}, 90_000);
    await assertIndexed({ cursor: deep }, 'flow_runs_created_idx', ONE_PAGE);
  });

  test('flow filter: first page and a deep page read one page worth of index', async () => {
    const either = ['flow_runs_flow_created_idx', 'flow_runs_created_idx'];
    // A flow with a tenth of all runs: at worst ten entries per row shown.
    const flowId = flowIds[3]!;
    const first = await assertIndexed({ flowId }, either, ONE_PAGE * 12);
    const deep = await assertIndexed(
      { flowId, cursor: await cursorAt({ flowId }, 9_000) },
      either,
      ONE_PAGE * 12,
    );
    assert.ok(deep <= first * 1.5 + ONE_PAGE, `deep page reads ${deep}, first ${first}`);
    // A flow with one run in a thousand (two pages' worth): its own index,
    // or it would read 50,000.
    await assertIndexed({ flowId: rareId }, 'flow_runs_flow_created_idx', RUNS / 1000);
    await assertIndexed(
      { flowId: rareId, cursor: await cursorAt({ flowId: rareId }, 60) },
      'flow_runs_flow_created_idx',
      RUNS / 1000,
    );
  });

  test('state and trigger filters: a bounded read at any depth', async () => {
    const state = ['flow_runs_state_created_idx', 'flow_runs_created_idx'];
    await assertIndexed({ state: 'failed' }, state, ONE_PAGE * 6);
    await assertIndexed(
      { state: 'failed', cursor: await cursorAt({ state: 'failed' }, 15_000) },
      state,
      ONE_PAGE * 6,
    );
    const trigger = ['flow_runs_trigger_created_idx', 'flow_runs_created_idx'];
    await assertIndexed({ trigger: 'webhook' }, trigger, ONE_PAGE * 6);
    // Two filters at once (1 run in 25 matches), no index for the pair:
    // still a bounded walk in order, the same at any depth.
    const both = { trigger: 'webhook', state: 'failed' } as const;
    await assertIndexed(both, [...state, ...trigger], ONE_PAGE * 30);
    await assertIndexed(
      { ...both, cursor: await cursorAt(both, 3_000) },
      [...state, ...trigger],
      ONE_PAGE * 30,
    );
  });

  test('a date range reads only its slice of the index', async () => {
    const [row] = (
      await tdb.db.execute<{ at: Date }>(
        sql`select created_at as at from flow_runs order by created_at desc offset 60000 limit 1`,
      )
    ).rows;
    const to = new Date(row!.at);
    await assertIndexed({ to }, 'flow_runs_created_idx', ONE_PAGE);
    await assertIndexed(
      { from: new Date(to.getTime() - 86_400_000), to },
      'flow_runs_created_idx',
      ONE_PAGE,
    );
  });

  test('text search: index scans (trigram, flow ids, id range), never every run', async () => {
    /** The search's reads of flow_runs: which indexes, how many rows. */
    async function searchPlan(search: string, extra: ListFlowRunsInput = {}) {
      const nodes = await planOf({ search, ...extra });
      const shown = nodes
        .map((n) => `${n['Node Type']}(${n['Index Name'] ?? n['Relation Name'] ?? ''})`)
        .join(' ');
      assert.ok(
        !nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'flow_runs'),
        `"${search}": no Seq Scan on flow_runs: ${shown}`,
      );
      const read = nodes
        .filter((n) => n['Relation Name'] === 'flow_runs')
        .reduce(
          (sum, n) =>
            sum +
            ((n['Actual Rows'] ?? 0) +
              (n['Rows Removed by Filter'] ?? 0) +
              (n['Rows Removed by Index Recheck'] ?? 0)) *
              (n['Actual Loops'] ?? 1),
          0,
        );
      return { indexes: new Set(nodes.map((n) => n['Index Name'])), read, shown };
    }

    // Nothing matches: the worst case of a filter walk (it read all 100,000).
    const none = await searchPlan('no such words');
    assert.ok(none.indexes.has('flow_runs_params_trgm_idx'), none.shown);
    assert.ok(none.read <= ONE_PAGE, `no match reads ${none.read} runs: ${none.shown}`);

    // Parameters of 1 run in 97, first page and a deep one: the matches at most.
    const rare = '"batch": 42}';
    // Either through the trigram index (its ~1,030 matches, sorted) or a walk
    // of the list's order that stops after a page (~97 runs per match).
    const bound = ONE_PAGE * 97 * 1.3;
    const first = await searchPlan(rare);
    assert.ok(first.read <= bound, `reads ${first.read}: ${first.shown}`);
    const deep = await searchPlan(rare, { cursor: await cursorAt({ search: rare }, 900) });
    assert.ok(deep.read <= bound, `deep page reads ${deep.read}: ${deep.shown}`);
    assert.equal((await listFlowRuns(tdb.db, { search: rare, limit: PAGE })).runs.length, PAGE);

    // A flow's name (any case): its runs through the flow index, looked up once.
    const byName = await searchPlan('RARE');
    assert.ok(byName.indexes.has('flow_runs_flow_created_idx'), byName.shown);
    assert.ok(byName.read <= RUNS / 1000 + ONE_PAGE, `reads ${byName.read}: ${byName.shown}`);
    const named = await listFlowRuns(tdb.db, { search: 'RARE', limit: 200 });
    assert.equal(named.runs.length, RUNS / 1000);

    // A run id's first characters: a range of the primary key.
    const [some] = (
      await tdb.db.execute<{ id: string }>(
        sql`select id::text as id from flow_runs order by created_at limit 1 offset 4321`,
      )
    ).rows;
    const prefix = some!.id.slice(0, 9);
    const byId = await searchPlan(prefix);
    assert.ok(byId.indexes.has('flow_runs_pkey'), byId.shown);
    assert.ok(byId.read <= ONE_PAGE, `reads ${byId.read}: ${byId.shown}`);
    const found = await listFlowRuns(tdb.db, { search: prefix });
    assert.ok(found.runs.some((r) => r.id === some!.id));
    assert.ok(found.runs.every((r) => r.id.startsWith(prefix)));
  });

  test('paging the flow filter to the end lists every run once', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await listFlowRuns(tdb.db, { flowId: rareId, limit: 7, cursor });
      for (const run of page.runs) {
        assert.ok(!seen.has(run.id), 'no run twice');
        seen.add(run.id);
      }
      pages++;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    assert.equal(seen.size, RUNS / 1000);
    assert.equal(pages, Math.ceil(RUNS / 1000 / 7));
  });
});
