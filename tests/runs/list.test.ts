/**
 * listFlowRuns against a real database: keyset pagination with filters
 * returns every matching run exactly once, newest first, including runs
 * created at the same instant; trigger/search filters; log counts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inArray } from 'drizzle-orm';
import { flowRuns, runLogs } from '@/db/schema';
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
    const { id } = await engine.api.runs.start({ flowId: betaId, trigger: 'api' });
    betaRuns.push(id);
  }
  for (const id of [...alphaRuns, ...betaRuns]) await engine.waitForRun(id);
  // Log lines as tasks would write them: one warning, two errors, noise.
  await engine.tdb.db.insert(runLogs).values(
    alphaRuns.flatMap((flowRunId) =>
      (['warn', 'error', 'error', 'info', 'debug'] as const).map((level) => ({
        flowRunId,
        level,
        message: `${level} line`,
      })),
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
  let cursor: { createdAt: Date; id: string } | undefined;
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

  test('counts warning and error log lines per run', async () => {
    const runs = await allPages({ flowId: alphaId }, 50);
    for (const run of runs) {
      assert.equal(run.warningCount, 1);
      assert.equal(run.errorCount, 2);
    }
  });
});
