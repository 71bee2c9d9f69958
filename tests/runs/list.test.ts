/**
 * listFlowRuns against a real database: keyset pagination with filters
 * returns every matching run exactly once, newest first, including runs
 * created at the same instant or in the same millisecond and runs started
 * between page loads; every filter (flow, state, trigger, date range, text
 * over flow name / parameters / run id); warning and error counts kept by
 * the log writer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { flowRuns, runLogs } from '@/db/schema';
import { insertRunLogs } from '@/server/execution/logs';
import { listFlowRuns } from '@/server/runs/queries';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { startHttpServer, type TestServer } from '../helpers/http-server';

let engine: TestEngine;
let server: TestServer;
let alphaId: string;
let betaId: string;
const alphaRuns: string[] = [];
const betaRuns: string[] = [];

const flow = (name: string, url: string) => ({
  version: 1 as const,
  name,
  params: {
    region: { type: 'string' as const, default: 'us' },
    dryRun: { type: 'boolean' as const, default: false },
  },
  nodes: [{ id: 'only', type: 'http', position: { x: 0, y: 0 }, config: { method: 'GET', url } }],
  edges: [],
});

before(async () => {
  server = await startHttpServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 500, { 'content-type': 'text/plain' });
    res.end('x');
  });
  engine = await startTestEngine();
  const alpha = await engine.api.flows.import({
    document: flow('Alpha reports', `${server.url}/ok`),
  });
  const beta = await engine.api.flows.import({
    document: flow('Beta 100%_done', `${server.url}/fail`),
  });
  alphaId = alpha.flow.id;
  betaId = beta.flow.id;
  for (let i = 0; i < 7; i++) {
    const { id } = await engine.api.runs.start({
      flowId: alphaId,
      trigger: i % 2 === 0 ? 'manual' : 'api',
    });
    alphaRuns.push(id);
  }
  for (let i = 0; i < 3; i++) {
    const { id } = await engine.api.runs.start({
      flowId: betaId,
      trigger: 'api',
      params: { region: `eu-west-${i}`, dryRun: i === 0 },
    });
    betaRuns.push(id);
  }
  for (const id of [...alphaRuns, ...betaRuns]) await engine.waitForRun(id);
  // Log lines written the way the log writer writes them: one warning, two
  // errors, noise, per alpha run.
  await engine.tdb.db.transaction((tx) =>
    insertRunLogs(
      tx,
      alphaRuns.flatMap((flowRunId) =>
        (['warn', 'error', 'error', 'info', 'debug'] as const).map((level) => ({
          flowRunId,
          level,
          message: `${level} line`,
        })),
      ),
    ),
  );
  // Ties on created_at must still page correctly (the id breaks them).
  await engine.tdb.db
    .update(flowRuns)
    .set({ createdAt: new Date('2026-01-01T00:00:00Z') })
    .where(inArray(flowRuns.id, [alphaRuns[1]!, alphaRuns[2]!, alphaRuns[3]!, betaRuns[0]!]));
});
after(async () => {
  await engine?.close();
  await server?.close();
});

type Filters = Omit<Parameters<typeof listFlowRuns>[1], 'limit' | 'cursor'>;

async function allPages(filters: Filters, limit: number) {
  const seen: Awaited<ReturnType<typeof listFlowRuns>>['runs'] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await listFlowRuns(engine.tdb.db, { ...filters, limit, cursor });
    assert.ok(result.runs.length <= limit);
    seen.push(...result.runs);
    if (!result.nextCursor) return seen;
    cursor = result.nextCursor;
  }
  assert.fail('pagination did not end');
}

function assertNewestFirst(runs: { createdAt: Date; id: string }[]) {
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1]!;
    const b = runs[i]!;
    const ordered =
      a.createdAt.getTime() > b.createdAt.getTime() ||
      (a.createdAt.getTime() === b.createdAt.getTime() && a.id > b.id);
    assert.ok(ordered, `run ${i} is out of order`);
  }
}

describe('listFlowRuns', () => {
  test('pages through every run exactly once, in order, for any page size', async () => {
    for (const limit of [1, 2, 3, 4, 10, 50]) {
      const runs = await allPages({}, limit);
      const ids = runs.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, `no duplicates with limit ${limit}`);
      assert.deepEqual([...ids].sort(), [...alphaRuns, ...betaRuns].sort());
      assertNewestFirst(runs);
    }
  });

  test('filters by flow, state, trigger and name, across pages', async () => {
    const alpha = await allPages({ flowId: alphaId }, 3);
    assert.deepEqual(alpha.map((r) => r.id).sort(), [...alphaRuns].sort());
    assertNewestFirst(alpha);

    const failed = await allPages({ state: 'failed' }, 2);
    assert.deepEqual(failed.map((r) => r.id).sort(), [...betaRuns].sort());

    const manual = await allPages({ trigger: 'manual' }, 2);
    assert.deepEqual(
      manual.map((r) => r.id).sort(),
      alphaRuns.filter((_, i) => i % 2 === 0).sort(),
    );
    const apiAlpha = await allPages({ trigger: 'api', flowId: alphaId, state: 'completed' }, 2);
    assert.deepEqual(
      apiAlpha.map((r) => r.id).sort(),
      alphaRuns.filter((_, i) => i % 2 === 1).sort(),
    );

    // "Contains", case-insensitive, with % and _ taken literally.
    assert.equal((await allPages({ search: 'REPORT' }, 4)).length, 7);
    assert.equal((await allPages({ search: '100%_' }, 4)).length, 3);
    assert.equal((await allPages({ search: '100%x' }, 4)).length, 0);
    assert.equal((await allPages({ search: '_' }, 4)).length, 3);
  });

  test('text search covers parameters and run ids', async () => {
    // Parameters, as JSON text: a value, a key, case-insensitive.
    const west = await allPages({ search: 'EU-WEST' }, 2);
    assert.deepEqual(west.map((r) => r.id).sort(), [...betaRuns].sort());
    const one = await allPages({ search: 'west-1' }, 2);
    assert.deepEqual(
      one.map((r) => r.id),
      [betaRuns[1]],
    );
    // A key: every run stores its parameters with defaults applied.
    assert.equal((await allPages({ search: 'DRYRUN' }, 4)).length, 10);
    // A run id, whole or its first characters (as copied from a URL).
    const target = alphaRuns[4]!;
    assert.deepEqual(
      (await allPages({ search: target }, 5)).map((r) => r.id),
      [target],
    );
    const prefix = await allPages({ search: target.slice(0, 8).toUpperCase() }, 5);
    assert.ok(prefix.some((r) => r.id === target));
    assert.ok(prefix.every((r) => r.id.startsWith(target.slice(0, 8))));
    // Combined with another filter, an AND.
    assert.equal((await allPages({ search: 'eu-west', flowId: alphaId }, 5)).length, 0);
  });

  test('date range: from is inclusive, to exclusive, on the creation time', async () => {
    const tie = new Date('2026-01-01T00:00:00Z');
    const tied = [alphaRuns[1]!, alphaRuns[2]!, alphaRuns[3]!, betaRuns[0]!].sort();
    const exactly = await allPages({ from: tie, to: new Date(tie.getTime() + 1) }, 2);
    assert.deepEqual(exactly.map((r) => r.id).sort(), tied);
    const before = await allPages({ to: tie }, 2);
    assert.equal(before.length, 0);
    const after = await allPages({ from: new Date(tie.getTime() + 1) }, 2);
    assert.deepEqual(
      after.map((r) => r.id).sort(),
      [...alphaRuns, ...betaRuns].filter((id) => !tied.includes(id)).sort(),
    );
    // With the flow filter, across pages.
    const alphaTied = await allPages({ flowId: alphaId, from: tie, to: new Date('2026-01-02') }, 1);
    assert.deepEqual(
      alphaTied.map((r) => r.id).sort(),
      tied.filter((id) => alphaRuns.includes(id)),
    );
  });

  test('rows in the same millisecond (different microseconds) are neither skipped nor repeated', async () => {
    // A JS Date holds milliseconds; created_at holds microseconds. A cursor
    // made of a Date would skip the rows between them.
    const ids = [...alphaRuns.slice(4), ...betaRuns.slice(1)];
    await engine.tdb.db.execute(sql`
      update flow_runs set created_at = '2025-06-01T00:00:00.123000Z'::timestamptz
        + (ord * interval '100 microseconds')
      from unnest(${`{${ids.join(',')}}`}::uuid[]) with ordinality as u(id, ord)
      where flow_runs.id = u.id`);
    const expected = (
      await engine.tdb.db
        .select({ id: flowRuns.id })
        .from(flowRuns)
        .orderBy(sql`created_at desc, id desc`)
    ).map((r) => r.id);
    assert.equal(expected.length, alphaRuns.length + betaRuns.length);
    try {
      for (const limit of [1, 2, 3]) {
        const runs = await allPages({}, limit);
        const seen = runs.map((r) => r.id);
        assert.equal(new Set(seen).size, seen.length, `no duplicates with limit ${limit}`);
        assert.deepEqual(seen, expected, `newest first to the microsecond with limit ${limit}`);
      }
    } finally {
      // Back to distinct instants for the other tests (order as started).
      await engine.tdb.db.execute(sql`
        update flow_runs set created_at = coalesce(started_at, created_at)
        where id in (select unnest(${`{${ids.join(',')}}`}::uuid[]))`);
    }
  });

  test('runs started between page loads: every run that existed is listed once', async () => {
    const before = new Set((await allPages({}, 100)).map((r) => r.id));
    const seen: string[] = [];
    const started: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const result = await listFlowRuns(engine.tdb.db, { limit: 2, cursor });
      seen.push(...result.runs.map((r) => r.id));
      // A new run (newest of all) arrives after every page.
      const { id } = await engine.api.runs.start({ flowId: alphaId, trigger: 'api' });
      started.push(id);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    assert.equal(new Set(seen).size, seen.length, 'no run twice');
    assert.deepEqual(
      [...seen].sort(),
      [...before].sort(),
      'exactly the runs of the first page load',
    );
    for (const id of started) await engine.waitForRun(id);
    // A fresh first page load lists them too.
    const now = (await allPages({}, 3)).map((r) => r.id);
    assert.deepEqual(now.slice(0, started.length).sort(), [...started].sort());
    await engine.tdb.db.delete(flowRuns).where(inArray(flowRuns.id, started));
  });

  test('a malformed cursor is refused, naming the field', async () => {
    await assert.rejects(engine.api.runs.list({ cursor: '2026-01-01~nope' }), (err: Error) =>
      /cursor/.test(err.message),
    );
    await assert.rejects(
      engine.api.runs.list({ from: new Date('2026-02-01'), to: new Date('2026-01-01') }),
      (err: Error) => /to/.test(err.message) && /after from/.test(err.message),
    );
  });

  test('counts warning and error log lines per run', async () => {
    const runs = await allPages({ flowId: alphaId }, 50);
    for (const run of runs) {
      assert.equal(run.warningCount, 1);
      assert.equal(run.errorCount, 2);
    }
    // Beta's failing requests logged warnings of their own: the counters
    // match the lines, whoever wrote them.
    const truth = await engine.tdb.db
      .select({
        id: runLogs.flowRunId,
        warnings: sql<number>`count(*) filter (where level = 'warn')::int`,
        errors: sql<number>`count(*) filter (where level = 'error')::int`,
      })
      .from(runLogs)
      .groupBy(runLogs.flowRunId);
    const byRun = new Map(truth.map((r) => [r.id, r]));
    for (const run of await allPages({}, 50)) {
      assert.equal(run.warningCount, byRun.get(run.id)?.warnings ?? 0);
      assert.equal(run.errorCount, byRun.get(run.id)?.errors ?? 0);
    }
  });

  test('the counters follow what a real task logs, batch flushes and final flush alike', async () => {
    // 450 warnings: the writer flushes every 200 lines while the task runs,
    // then the rest when the attempt ends.
    const id = await engine.run({
      version: 1,
      name: 'Chatty',
      nodes: [
        {
          id: 'talk',
          type: 'code',
          position: { x: 0, y: 0 },
          config: {
            source:
              'for (let i = 0; i < 450; i++) log.warn("w" + i); log.error("e1"); log.error("e2"); log.error("e3"); for (let i = 0; i < 50; i++) log.info("i"); return 1;',
          },
        },
      ],
      edges: [],
    });
    await engine.waitForRun(id);
    const counted = await engine.tdb.db
      .select({ level: runLogs.level, n: sql<number>`count(*)::int` })
      .from(runLogs)
      .where(eq(runLogs.flowRunId, id))
      .groupBy(runLogs.level);
    const byLevel = Object.fromEntries(counted.map((r) => [r.level, r.n]));
    assert.equal(byLevel.warn, 450);
    assert.equal(byLevel.error, 3);
    const [row] = (await listFlowRuns(engine.tdb.db, { search: id })).runs;
    assert.equal(row?.warningCount, 450);
    assert.equal(row?.errorCount, 3);
    await engine.tdb.db.delete(flowRuns).where(eq(flowRuns.id, id));
  });
});
