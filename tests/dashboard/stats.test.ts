/**
 * The dashboard's aggregations against a real database, at a fixed "now":
 * runs per bar by state (every bar present, empty ones zero, edges
 * inclusive/exclusive, day bars at the viewer's midnight), p50/p95 of
 * completed runs' durations per bar, the default flow, the flow filter; and
 * at 100,000 runs both statements read flow_runs through an index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { flowRuns, flowVersions } from '@/db/schema';
import { bucketWindow } from '@/server/dashboard/buckets';
import { durationTrend, durationTrendSql } from '@/server/dashboard/duration-trend';
import { countRunsOverTime, runCountsSql } from '@/server/dashboard/run-counts';
import type { FlowRunState } from '@/server/engine/states';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedFlows, seedRuns } from '../helpers/seed-runs';

let tdb: TestDatabase;
let alpha: string;
let beta: string;
const NOW = new Date('2026-03-10T12:30:00Z');

async function addRun(
  flowId: string,
  state: FlowRunState,
  createdAt: string,
  durationMs?: number,
  extra: Partial<typeof flowRuns.$inferInsert> = {},
) {
  const [version] = await tdb.db
    .select({ id: flowVersions.id })
    .from(flowVersions)
    .where(sql`${flowVersions.flowId} = ${flowId}`);
  const created = new Date(createdAt);
  const [row] = await tdb.db
    .insert(flowRuns)
    .values({
      flowId,
      flowVersionId: version!.id,
      state,
      trigger: 'manual',
      createdAt: created,
      startedAt: durationMs === undefined ? null : created,
      endedAt: durationMs === undefined ? null : new Date(created.getTime() + durationMs),
      ...extra,
    })
    .returning({ id: flowRuns.id });
  return row!.id;
}

before(async () => {
  tdb = await createTestDatabase();
  [alpha, beta] = (await seedFlows(tdb.db, 2)) as [string, string];
  // Last hour bar (12:00–13:00): 2 running alpha, 1 completed beta.
  await addRun(alpha, 'running', '2026-03-10T12:05:00Z', 0);
  await addRun(alpha, 'running', '2026-03-10T12:29:59Z');
  await addRun(beta, 'completed', '2026-03-10T12:00:00Z', 500);
  // 11:00 bar: alpha completed ×5 (1, 2, 3, 4, 100 s), failed ×2; beta failed.
  for (const [i, s] of [1, 2, 3, 4, 100].entries())
    await addRun(alpha, 'completed', `2026-03-10T11:${10 + i}:00Z`, s * 1000);
  await addRun(alpha, 'failed', '2026-03-10T11:00:00Z', 999_000);
  await addRun(alpha, 'failed', '2026-03-10T11:59:59.999Z', 5);
  await addRun(beta, 'failed', '2026-03-10T11:30:00Z', 10);
  // 06:00 bar: one cancelled alpha and one crashed beta.
  await addRun(alpha, 'cancelled', '2026-03-10T06:45:00Z', 2000);
  await addRun(beta, 'crashed', '2026-03-10T06:01:00Z', 2000);
  // The first bar of 24 starts 2026-03-09T13:00Z (inclusive).
  await addRun(alpha, 'completed', '2026-03-09T13:00:00Z', 7000);
  // Outside the last 24 bars: just before the first, and after the last.
  await addRun(alpha, 'completed', '2026-03-09T12:59:59.999Z', 1);
  await addRun(alpha, 'completed', '2026-03-10T13:00:00Z', 1);
  // Beta's busy day, 8 days ago: only in the 30-day range; beta has the most
  // completed runs over 30 days.
  for (let i = 0; i < 8; i++)
    await addRun(beta, 'completed', `2026-03-02T0${i}:00:00Z`, 60_000 * (i + 1));
});

after(async () => {
  await tdb?.drop();
});

const at = <T extends { start: Date }>(buckets: T[], iso: string): T => {
  const bucket = buckets.find((b) => b.start.getTime() === new Date(iso).getTime());
  assert.ok(bucket, `a bar starts at ${iso}`);
  return bucket;
};

describe('dashboard.runCounts', () => {
  test('24 h: 24 hourly bars by state, empty bars zero, edges right', async () => {
    const result = await countRunsOverTime(tdb.db, { range: '24h' }, NOW);
    assert.equal(result.bucket, 'hour');
    assert.equal(result.buckets.length, 24);
    assert.equal(result.buckets[0]!.start.toISOString(), '2026-03-09T13:00:00.000Z');
    assert.equal(result.buckets[23]!.start.toISOString(), '2026-03-10T12:00:00.000Z');
    for (let i = 1; i < 24; i++)
      assert.equal(
        result.buckets[i]!.start.getTime() - result.buckets[i - 1]!.start.getTime(),
        3_600_000,
      );

    const last = at(result.buckets, '2026-03-10T12:00:00Z');
    assert.equal(last.total, 3);
    assert.equal(last.byState.running, 2);
    assert.equal(last.byState.completed, 1);
    const eleven = at(result.buckets, '2026-03-10T11:00:00Z');
    assert.deepEqual(
      { total: eleven.total, completed: eleven.byState.completed, failed: eleven.byState.failed },
      { total: 8, completed: 5, failed: 3 },
    );
    const six = at(result.buckets, '2026-03-10T06:00:00Z');
    assert.equal(six.byState.cancelled, 1);
    assert.equal(six.byState.crashed, 1);
    const first = at(result.buckets, '2026-03-09T13:00:00Z');
    assert.equal(first.total, 1, 'the first bar includes its start');
    // Every other bar is present and zero in every state.
    const busy = [
      '2026-03-10T12:00:00Z',
      '2026-03-10T11:00:00Z',
      '2026-03-10T06:00:00Z',
      '2026-03-09T13:00:00Z',
    ];
    const empty = result.buckets.filter(
      (b) => !busy.some((iso) => new Date(iso).getTime() === b.start.getTime()),
    );
    assert.equal(empty.length, 20);
    for (const bucket of empty) {
      assert.equal(bucket.total, 0);
      assert.ok(Object.values(bucket.byState).every((n) => n === 0));
    }
    const total = result.buckets.reduce((n, b) => n + b.total, 0);
    assert.equal(total, 14, 'runs outside the window are left out');
  });

  test('flow filter', async () => {
    const result = await countRunsOverTime(tdb.db, { range: '24h', flowId: beta }, NOW);
    assert.equal(result.buckets.length, 24);
    assert.equal(at(result.buckets, '2026-03-10T12:00:00Z').byState.completed, 1);
    assert.equal(at(result.buckets, '2026-03-10T12:00:00Z').byState.running, 0);
    assert.equal(at(result.buckets, '2026-03-10T11:00:00Z').total, 1);
    assert.equal(
      result.buckets.reduce((n, b) => n + b.total, 0),
      3,
    );
  });

  test('7 and 30 days: daily bars starting at the viewer midnight', async () => {
    const utc = await countRunsOverTime(tdb.db, { range: '7d' }, NOW);
    assert.equal(utc.bucket, 'day');
    assert.equal(utc.buckets.length, 7);
    assert.equal(utc.buckets[0]!.start.toISOString(), '2026-03-04T00:00:00.000Z');
    assert.equal(at(utc.buckets, '2026-03-10T00:00:00Z').total, 14, 'with 13:00, after the 24 h');
    assert.equal(at(utc.buckets, '2026-03-09T00:00:00Z').total, 2);
    // UTC+2: days start at 22:00 UTC; 2026-03-09T12:59:59Z and 13:00Z fall in
    // the local day of the 9th, which starts 2026-03-08T22:00Z.
    const plus2 = await countRunsOverTime(tdb.db, { range: '7d', utcOffsetMinutes: 120 }, NOW);
    assert.equal(plus2.buckets.length, 7);
    assert.equal(plus2.buckets[6]!.start.toISOString(), '2026-03-09T22:00:00.000Z');
    assert.equal(at(plus2.buckets, '2026-03-09T22:00:00Z').total, 14);
    assert.equal(at(plus2.buckets, '2026-03-08T22:00:00Z').total, 2);

    const month = await countRunsOverTime(tdb.db, { range: '30d' }, NOW);
    assert.equal(month.buckets.length, 30);
    assert.equal(at(month.buckets, '2026-03-02T00:00:00Z').byState.completed, 8);
    assert.equal(
      month.buckets.reduce((n, b) => n + b.total, 0),
      24,
    );
  });
});

describe('dashboard.durationTrend', () => {
  test('p50 and p95 of completed runs per bar; other states and empty bars left out', async () => {
    const result = await durationTrend(tdb.db, { range: '24h', flowId: alpha }, NOW);
    assert.equal(result.flow?.id, alpha);
    assert.equal(result.buckets.length, 24);
    const eleven = at(result.buckets, '2026-03-10T11:00:00Z');
    // 1, 2, 3, 4, 100 s: the failed runs (999 s, 5 ms) do not count.
    assert.equal(eleven.runs, 5);
    assert.equal(eleven.p50, 3000);
    // percentile_cont: 4 s + 0.8 × (100 s − 4 s).
    assert.equal(Math.round(eleven.p95!), 80_800);
    const first = at(result.buckets, '2026-03-09T13:00:00Z');
    assert.deepEqual([first.runs, first.p50, first.p95], [1, 7000, 7000]);
    // Running runs have no duration yet; the cancelled one is not a completion.
    assert.deepEqual(
      [
        at(result.buckets, '2026-03-10T12:00:00Z').runs,
        at(result.buckets, '2026-03-10T12:00:00Z').p50,
      ],
      [0, null],
    );
    assert.equal(at(result.buckets, '2026-03-10T06:00:00Z').p50, null);
    assert.equal(result.buckets.filter((b) => b.p50 !== null).length, 2);
  });

  test('without a flow: the one with the most completed runs in the range', async () => {
    const day = await durationTrend(tdb.db, { range: '24h' }, NOW);
    assert.equal(day.flow?.id, alpha, 'alpha completed 6 in 24 h, beta 1');
    const month = await durationTrend(tdb.db, { range: '30d' }, NOW);
    assert.equal(month.flow?.id, beta, 'beta completed 9 in 30 days, alpha 8');
    const busy = at(month.buckets, '2026-03-02T00:00:00Z');
    assert.equal(busy.runs, 8);
    assert.equal(busy.p50, 270_000);
  });

  test('a range with no completed runs has no flow to show', async () => {
    const empty = await durationTrend(tdb.db, { range: '24h' }, new Date('2027-01-01T00:00:00Z'));
    assert.equal(empty.flow, null);
    assert.deepEqual(empty.buckets, []);
  });
});

describe('at 100,000 runs', () => {
  test('both statements read only their window of flow_runs, through an index', async () => {
    // A year of history (a run every 10 minutes or so): 30 days is a
    // twelfth of it. (A window holding most of the table is read
    // sequentially, rightly: then there is nothing to skip.)
    const big = await seedFlows(tdb.db, 10, 'big ');
    await seedRuns(tdb.db, 100_000, big, 630);
    const now = new Date();
    const plans: Record<string, unknown>[] = [];
    for (const range of ['24h', '7d', '30d'] as const) {
      const w = bucketWindow({ range }, now);
      for (const statement of [
        runCountsSql({ range }, w),
        runCountsSql({ range, flowId: big[2] }, w),
        durationTrendSql(big[2]!, w),
      ]) {
        const result = await tdb.db.execute(sql`explain (format json) ${statement}`);
        plans.push(
          (result.rows[0] as { 'QUERY PLAN': [{ Plan: Record<string, unknown> }] })['QUERY PLAN'][0]
            .Plan,
        );
      }
    }
    const flatten = (n: Record<string, unknown>): Record<string, unknown>[] => [
      n,
      ...((n.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(flatten),
    ];
    for (const plan of plans) {
      const nodes = flatten(plan);
      const onRuns = nodes.filter((n) => n['Relation Name'] === 'flow_runs');
      assert.ok(onRuns.length > 0);
      for (const node of onRuns)
        assert.match(
          String(node['Node Type']),
          /Index|Bitmap Heap/,
          JSON.stringify(nodes.map((n) => n['Node Type'])),
        );
    }
  });
});
