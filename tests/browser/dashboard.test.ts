/**
 * The dashboard, the status badge and the runs list's filters against the
 * production build with its in-process worker, in real Chromium:
 * empty states on a fresh database; the badge follows the flow's latest
 * run (passing → failing → running → cancelled), ignores subflow children,
 * answers 404 for unknown ids; the README snippet from the flows list;
 * charts draw bars and duration points for real runs, with tooltips, and a
 * bar opens the runs list filtered to its time; the list's version, trigger
 * and log-count columns, date range and run-id search.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { flowRuns } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let app: OwnerBrowserApp;
let hooks: TestServer;
let badgeFlowId: string;

before(async () => {
  hooks = await startHttpServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/slow')) await new Promise((r) => setTimeout(r, 30_000));
    if (path.startsWith('/fail')) return json(res, 500, { error: 'down' });
    return json(res, 200, { ok: true });
  });
  app = await startBrowserApp();
});

after(async () => {
  await app?.close();
  await hooks?.close();
});

afterEach(() => app?.assertNoPageErrors());

/** One http node whose path is the `path` parameter. */
function pathFlow(name: string, extra: Partial<FlowDocument['nodes'][number]> = {}): FlowDocument {
  return {
    version: 1,
    name,
    params: { path: { type: 'string', default: 'ok' } },
    nodes: [
      {
        id: 'fetch',
        type: 'http',
        position: { x: 0, y: 0 },
        config: { method: 'GET', url: `${hooks.url}/{{ params.path }}` },
        ...extra,
      },
    ],
    edges: [],
  } as FlowDocument;
}

async function badge(id: string) {
  const res = await fetch(`${app.url}/api/flows/${id}/badge.svg`);
  const body = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    cache: res.headers.get('cache-control'),
    body,
    /** The message half: the last <text> (the shadowed copy comes first). */
    message: body.match(/data-status="([^"]+)"/)?.[1],
    /** The message background. */
    color: body.match(/<rect x="\d+" width="\d+" height="20" fill="([^"]+)"/)?.[1],
  };
}

describe('fresh database', () => {
  test('the dashboard says there is nothing yet, in both charts', async () => {
    const page = await app.openPage('/dashboard');
    await page.getByTestId('runs-chart-empty').waitFor();
    await page.getByTestId('duration-chart-empty').waitFor();
    assert.equal(await page.getByTestId('stat-runs').textContent(), '0');
    assert.equal(await page.getByTestId('stat-success').textContent(), '—');
    // The header links here.
    await page.goto(`${app.url}/runs`);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL('**/dashboard');
    await page.close();
  });
});

describe('status badge', () => {
  test('follows the latest run: no runs → passing → failing → running → cancelled', async () => {
    const { flow } = await app.api.flows.import.mutate({ document: pathFlow('Badge flow') });
    badgeFlowId = flow.id;

    let b = await badge(flow.id);
    assert.equal(b.status, 200);
    assert.equal(b.type, 'image/svg+xml; charset=utf-8');
    assert.match(b.cache ?? '', /no-cache/);
    assert.match(b.body, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(b.body, /<title>pipewright: no runs<\/title>/);
    assert.deepEqual([b.message, b.color], ['no runs', '#9f9f9f']);

    const ok = await app.api.runs.start.mutate({ flowId: flow.id, params: { path: 'ok' } });
    await app.waitForRunEnd(ok.id);
    b = await badge(flow.id);
    assert.deepEqual([b.status, b.message, b.color], [200, 'passing', '#4c1']);

    const failed = await app.api.runs.start.mutate({ flowId: flow.id, params: { path: 'fail' } });
    assert.equal((await app.waitForRunEnd(failed.id)).state, 'failed');
    b = await badge(flow.id);
    assert.deepEqual([b.message, b.color], ['failing', '#e05d44']);

    const slow = await app.api.runs.start.mutate({ flowId: flow.id, params: { path: 'slow' } });
    b = await badge(flow.id);
    assert.deepEqual([b.message, b.color], ['running', '#007ec6']);

    await app.api.runs.cancel.mutate({ id: slow.id });
    assert.equal((await app.waitForRunEnd(slow.id)).state, 'cancelled');
    b = await badge(flow.id);
    assert.deepEqual([b.message, b.color], ['cancelled', '#dfb317']);

    // A newer run started by another flow's subflow task does not count.
    const [latest] = await app.tdb.db.select().from(flowRuns).where(eq(flowRuns.id, slow.id));
    const { id: _, ...copy } = latest!;
    await app.tdb.db.insert(flowRuns).values({
      ...copy,
      state: 'failed',
      trigger: 'subflow',
      parentTaskRunId: randomUUID(),
      createdAt: new Date(Date.now() + 1000),
    });
    b = await badge(flow.id);
    assert.deepEqual([b.message, b.color], ['cancelled', '#dfb317']);
  });

  test('an unknown, malformed or deleted flow is a 404 "not found" badge, never a 500', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', '1', "x'; drop table flows; --"]) {
      const b = await badge(encodeURIComponent(id));
      assert.equal(b.status, 404, id);
      assert.equal(b.type, 'image/svg+xml; charset=utf-8');
      assert.equal(b.message, 'not found');
    }
    const { flow } = await app.api.flows.import.mutate({ document: pathFlow('Soon deleted') });
    assert.equal((await badge(flow.id)).status, 200);
    await app.api.flows.delete.mutate({ id: flow.id });
    assert.equal((await badge(flow.id)).status, 404);
  });

  test('the flows list gives the README snippet, with a live preview', async () => {
    const page = await app.openPage('/');
    const row = page.locator(`[data-testid="flow-row"][data-flow-id="${badgeFlowId}"]`);
    await row.getByTestId('flow-badge').click();
    const dialog = page.getByTestId('badge-dialog');
    const markdown = dialog.getByTestId('badge-markdown');
    await markdown.waitFor();
    assert.equal(
      await markdown.inputValue(),
      `[![pipewright](${app.url}/api/flows/${badgeFlowId}/badge.svg)](${app.url}/flows/${badgeFlowId})`,
    );
    const preview = dialog.getByTestId('badge-preview');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="badge-preview"]');
      return Boolean(img?.complete && img.naturalWidth > 0);
    });
    assert.ok(
      await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 50),
    );
    await page.keyboard.press('Escape');
    await dialog.getByTestId('badge-markdown').waitFor({ state: 'detached' });
    await page.close();
  });
});

describe('dashboard charts', () => {
  test('bars by state and duration points for real runs; tooltips; a bar opens its runs', async () => {
    const { flow } = await app.api.flows.import.mutate({ document: pathFlow('Charted flow') });
    const ids: string[] = [];
    for (const path of ['ok', 'ok', 'ok', 'fail']) {
      ids.push((await app.api.runs.start.mutate({ flowId: flow.id, params: { path } })).id);
    }
    for (const id of ids) await app.waitForRunEnd(id);

    const page = await app.openPage('/dashboard');
    const chart = page.getByTestId('runs-chart');
    await chart.waitFor();
    const bars = chart.getByTestId('chart-bar');
    assert.equal(await bars.count(), 24, 'one bar per hour');
    // Everything ran in the last hour or two: the bars hold every run, by state.
    const counts = await app.api.runs.list.query({ limit: 200 });
    const totals = await bars.evaluateAll((els) =>
      els.map((e) => Number(e.getAttribute('data-total'))),
    );
    assert.equal(
      totals.reduce((a, b) => a + b, 0),
      counts.runs.length,
    );
    const segments = await chart.getByTestId('chart-bar-segment').evaluateAll((els) => {
      const sum: Record<string, number> = {};
      for (const e of els) {
        const key = e.getAttribute('data-series')!;
        sum[key] = (sum[key] ?? 0) + Number(e.getAttribute('data-value'));
      }
      return sum;
    });
    const byState = (s: string) => counts.runs.filter((r) => r.state === s).length;
    assert.deepEqual(segments, {
      completed: byState('completed'),
      failed: byState('failed'),
      cancelled: byState('cancelled'),
    });
    const heights = await chart
      .getByTestId('chart-bar-segment')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    assert.ok(heights.every((h) => h > 0));
    assert.match(
      (await page.getByTestId('runs-chart-legend').textContent()) ?? '',
      /Completed.*Failed/,
    );
    assert.equal(await page.getByTestId('stat-runs').textContent(), String(counts.runs.length));

    // Hover: a tooltip with the bar's numbers; the same in its accessible name.
    const busy = chart.locator('[data-testid="chart-bar"]:not([data-total="0"])').last();
    const busyTotal = Number(await busy.getAttribute('data-total'));
    await busy.hover();
    const tooltip = page.getByTestId('chart-tooltip');
    await tooltip.waitFor();
    assert.match((await tooltip.textContent()) ?? '', new RegExp(`Total${busyTotal}`));
    assert.match(
      (await busy.getAttribute('aria-label')) ?? '',
      new RegExp(`: ${busyTotal} runs? \\(\\d+ [a-z]+`),
    );

    // Duration trend of the busiest flow: a p50 and a p95 point in the last hour.
    const durationChart = page.getByTestId('duration-chart');
    await durationChart.waitFor();
    const trend = await app.api.dashboard.durationTrend.query({ range: '24h' });
    assert.equal(
      await page.getByTestId('duration-flow').inputValue(),
      trend.flow?.id,
      'the busiest flow is picked',
    );
    const points = durationChart.getByTestId('duration-point');
    const series = await points.evaluateAll((els) => els.map((e) => e.getAttribute('data-series')));
    assert.ok(series.length >= 2, 'a p50 and a p95 point per hour with completed runs');
    assert.equal(
      series.filter((s) => s === 'p50').length,
      series.filter((s) => s === 'p95').length,
    );
    // Picking the charted flow shows its own durations.
    await page.getByTestId('duration-flow').selectOption(flow.id);
    const own = await app.api.dashboard.durationTrend.query({ range: '24h', flowId: flow.id });
    const expected = own.buckets.filter((b) => b.p50 !== null).map((b) => Math.round(b.p50!));
    assert.ok(expected.length > 0);
    await page.waitForFunction(
      (values) =>
        JSON.stringify(
          [...document.querySelectorAll('[data-testid="duration-point"][data-series="p50"]')].map(
            (e) => Number(e.getAttribute('data-value')),
          ),
        ) === JSON.stringify(values),
      expected,
    );

    // 7 days: seven daily bars.
    await page.getByTestId('dashboard-range-7d').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chart-bar"]').length === 7,
    );

    // A bar opens the runs list narrowed to its time.
    await page.getByTestId('chart-bar').last().click();
    await page.waitForURL((url) => url.pathname === '/runs' && url.searchParams.has('from'));
    const url = new URL(page.url());
    const from = new Date(url.searchParams.get('from')!);
    const to = new Date(url.searchParams.get('to')!);
    assert.ok(to > new Date() && from < new Date(), 'today');
    const today = await app.api.runs.list.query({ from, to, limit: 200 });
    assert.ok(today.runs.length > 0);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="run-row"]').length === n,
      today.runs.length,
    );
    assert.notEqual(await page.getByTestId('runs-filter-from').inputValue(), '');
    await page.close();
  });
});

describe('runs list columns and filters', () => {
  test('version, trigger, log counts; date range; search by run id and parameters', async () => {
    const { flow } = await app.api.flows.import.mutate({
      document: pathFlow('Listed flow', { retry: { retries: 1, delaySeconds: 0 } }),
    });
    // The failing request is logged as a warning per attempt.
    const failed = await app.api.runs.start.mutate({
      flowId: flow.id,
      params: { path: 'fail-listed' },
      trigger: 'manual',
    });
    await app.waitForRunEnd(failed.id);
    const page = await app.openPage(`/runs?flow=${flow.id}`);
    const row = page.locator(`[data-testid="run-row"][data-run-id="${failed.id}"]`);
    await row.waitFor();
    assert.equal(await page.getByTestId('run-row').count(), 1, 'the URL filter applies');
    assert.equal(await page.getByTestId('runs-filter-flow').inputValue(), flow.id);
    assert.equal(await row.getByTestId('run-version').textContent(), 'v1');
    assert.equal(await row.getByTestId('run-trigger').textContent(), 'Manual');
    const listed = (await app.api.runs.list.query({ flowId: flow.id })).runs[0]!;
    assert.ok(listed.warningCount + listed.errorCount > 0, 'the failed attempts logged');
    assert.equal(
      (await row.getByTestId('run-log-counts').textContent())?.replace(/\s/g, ''),
      `${listed.warningCount}/${listed.errorCount}`,
    );

    // Search by a parameter value and by the start of the run id.
    await page.getByTestId('runs-filter-clear').click();
    await page.getByTestId('runs-filter-search').fill('fail-listed');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
      return rows.length === 1 && rows[0]?.getAttribute('data-run-id') === id;
    }, failed.id);
    // The row is on screen from the search before: wait for this search to
    // apply (it is debounced, then written to the URL) before reading rows.
    await page.getByTestId('runs-filter-search').fill(failed.id.slice(0, 8));
    await page.waitForFunction(
      (id) =>
        new URL(location.href).searchParams.get('q') === id.slice(0, 8) &&
        [...document.querySelectorAll('[data-testid="run-row"]')].some(
          (r) => r.getAttribute('data-run-id') === id,
        ),
      failed.id,
    );

    // A date range that ended an hour ago holds none of these runs.
    await page.getByTestId('runs-filter-clear').click();
    await page.getByTestId('runs-filter-to').fill(localInput(new Date(Date.now() - 3_600_000)));
    await page.getByTestId('runs-empty').waitFor();
    // From an hour ago: all of them again.
    await page.getByTestId('runs-filter-to').fill('');
    await page.getByTestId('runs-filter-from').fill(localInput(new Date(Date.now() - 3_600_000)));
    await page.locator(`[data-testid="run-row"][data-run-id="${failed.id}"]`).waitFor();
    await page.close();
  });
});

/** What a datetime-local input takes, in the browser's (here: the same) time zone. */
function localInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
