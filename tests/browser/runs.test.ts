/**
 * Live run pages in real Chromium against the production build and its
 * in-process worker: task states arrive over Server-Sent Events without a
 * reload (running → retrying → completed), the timeline shows each attempt,
 * a task's panel shows its output and logs; cancel, retry; the runs list
 * filters and pages through every run exactly once.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { formatDuration } from '@/app/_lib/format-duration';
import type { FlowDocument } from '@/server/engine/document';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let app: OwnerBrowserApp;
let hooks: TestServer;
/** Per path: how many requests it has answered. */
const hits = new Map<string, number>();
let brokenUntilFixed = true;

before(async () => {
  hooks = await startHttpServer(async (req, res) => {
    const path = req.url ?? '/';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    if (path.startsWith('/flaky')) {
      // The first attempt is slow enough to be seen running even on a busy
      // machine (the page opens while it runs); it fails, the retry succeeds.
      await new Promise((r) => setTimeout(r, n === 1 ? 2500 : 300));
      return n === 1 ? json(res, 500, { error: 'warming up' }) : json(res, 200, { hello: 'world' });
    }
    if (path.startsWith('/broken'))
      return brokenUntilFixed ? json(res, 500, { error: 'down' }) : json(res, 200, { ok: true });
    return json(res, 200, { ok: true });
  });
  app = await startBrowserApp();
});

after(async () => {
  await app?.close();
  await hooks?.close();
});

afterEach(() => app?.assertNoPageErrors());

function httpFlow(name: string, path: string, extra: Partial<FlowDocument['nodes'][number]> = {}) {
  return {
    version: 1 as const,
    name,
    nodes: [
      {
        id: 'fetch',
        type: 'http',
        position: { x: 0, y: 0 },
        config: { method: 'GET', url: `${hooks.url}${path}` },
        ...extra,
      },
    ],
    edges: [],
  } as FlowDocument;
}

const runState = (page: Page, state: string, timeout = 20_000) =>
  page.locator(`[data-testid="run-page"][data-run-state="${state}"]`).waitFor({ timeout });

describe('run page', () => {
  test('follows a run live: running → retrying → completed, attempts, output and logs', async () => {
    // Warm the page bundle so the run page opens while the first attempt runs.
    const page = await app.openPage('/runs');
    const flowId = await app.importFlow(
      httpFlow('Flaky fetch', '/flaky', { retry: { retries: 2, delaySeconds: 1 } }),
    );
    const { id } = await app.api.runs.start.mutate({ flowId });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(`${app.url}/runs/${id}`);
    const node = page.locator('.react-flow__node[data-id="fetch"]');
    await node.waitFor();
    // Record every state the node shows, every 50 ms, in the page itself.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenStates: string[] }).seenStates = seen;
      setInterval(() => {
        const state = document
          .querySelector('.react-flow__node[data-id="fetch"]')
          ?.getAttribute('data-state');
        if (state && seen.at(-1) !== state) seen.push(state);
      }, 50);
    });
    await runState(page, 'completed');
    await page.waitForTimeout(120);
    const seen = await page.evaluate(
      () => (window as unknown as { seenStates: string[] }).seenStates,
    );
    const order = ['running', 'retrying', 'running', 'completed'];
    let at = 0;
    for (const state of seen) if (state === order[at]) at++;
    console.log(`fetch states seen: ${seen.join(' → ')}`);
    assert.ok(
      seen.includes('retrying') && seen.at(-1) === 'completed' && at >= 3,
      `states seen in order: ${seen.join(' → ')}`,
    );
    assert.equal(await node.getAttribute('data-state'), 'completed');
    // Live through the event stream; runs.summary is only a slow backstop
    // (every 2 s), far too slow to have shown each state above.
    assert.ok(requests.includes(`/api/runs/${id}/events`), 'the page follows the event stream');
    assert.ok(
      requests.filter((p) => p.includes('runs.summary')).length <= 6,
      'no fast polling while the stream works',
    );
    assert.equal(await node.locator('[data-task-card]').count(), 1);
    // The node says it took two tries, and how long the task ran.
    assert.match((await node.getByTestId('node-attempt').textContent()) ?? '', /try 2/);
    const fetched = (await app.api.runs.get.query({ id })).tasks[0]!;
    assert.equal(fetched.attempt, 2);
    assert.equal(
      await node.getByTestId('node-duration').textContent(),
      formatDuration(fetched.endedAt!.getTime() - fetched.startedAt!.getTime()),
    );
    await node.locator('[data-state="completed"]').first().waitFor();

    // The timeline: two attempt bars (failed, then completed) and the wait between.
    await page.getByTestId('tab-timeline').click();
    const bars = page.locator(
      '[data-testid="timeline-row"][data-node-id="fetch"] [data-testid="timeline-attempt"]',
    );
    assert.equal(await bars.count(), 2);
    assert.deepEqual(
      await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))),
      ['failed', 'completed'],
    );
    assert.equal(await page.locator('[data-testid="timeline-wait"]').count(), 1);

    // The node's panel: output, logs (one line per attempt), both attempts.
    await page.getByTestId('tab-graph').click();
    await node.click();
    const panel = page.getByTestId('task-panel');
    await panel.waitFor();
    assert.match((await panel.getByTestId('task-output').textContent()) ?? '', /"hello": "world"/);
    await panel.locator('[data-testid="task-logs"] li').nth(1).waitFor();
    const logText = (await panel.getByTestId('task-logs').textContent()) ?? '';
    assert.match(logText, /→ 500/);
    assert.match(logText, /→ 200/);
    assert.equal(await panel.getByTestId('task-attempt').count(), 2);
    assert.match((await panel.getByTestId('task-attempts').textContent()) ?? '', /answered 500/);

    // The whole run's logs, filtered to warnings.
    await page.getByTestId('tab-logs').click();
    await page.locator('[data-testid="run-log-lines"] li').nth(1).waitFor();
    await page.getByTestId('logs-level').selectOption('warn');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="run-log-lines"] li').length === 1,
    );
    await page.close();
  });

  test('cancel stops a waiting run and the page shows it live', async () => {
    const flowId = await app.importFlow({
      version: 1,
      name: 'Long wait',
      nodes: [{ id: 'wait', type: 'delay', position: { x: 0, y: 0 }, config: { seconds: 600 } }],
      edges: [],
    } as FlowDocument);
    const { id } = await app.api.runs.start.mutate({ flowId });
    const page = await app.openPage(`/runs/${id}`);
    await page.locator('.react-flow__node[data-id="wait"][data-state="running"]').waitFor();
    await page.getByTestId('cancel-run').click();
    await runState(page, 'cancelled', 10_000);
    await page.locator('.react-flow__node[data-id="wait"][data-state="cancelled"]').waitFor();
    assert.equal(await page.getByTestId('cancel-run').count(), 0);
    await page.close();
  });

  test('retry of a failed run lands on the new run, which completes', async () => {
    brokenUntilFixed = true;
    const flowId = await app.importFlow(httpFlow('Broken fetch', '/broken'));
    const { id } = await app.api.runs.start.mutate({ flowId });
    const page = await app.openPage(`/runs/${id}`);
    await runState(page, 'failed');
    assert.match((await page.getByTestId('run-reason').textContent()) ?? '', /fetch/);
    brokenUntilFixed = false;
    await page.getByTestId('retry-run').click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(id));
    const newId = new URL(page.url()).pathname.split('/').at(-1);
    assert.ok(newId && newId !== id);
    await runState(page, 'completed');
    assert.equal(await page.getByTestId('run-page').getAttribute('data-run-id'), newId);
    assert.equal((await app.api.runs.get.query({ id: newId })).retryOfRunId, id);
    await page.close();
  });
});

describe('runs list', () => {
  test('filters narrow the list; Load more pages through every run exactly once', async () => {
    const flowId = await app.importFlow(httpFlow('Paged flow', '/ok'));
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { id } = await app.api.runs.start.mutate({ flowId, params: {}, trigger: 'manual' });
      ids.push(id);
    }
    for (const id of ids) await app.waitForRunEnd(id, 20_000);

    const page = await app.openPage('/runs?limit=3');
    await page.getByTestId('run-row').first().waitFor();
    await page.getByTestId('runs-filter-flow').selectOption(flowId);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="run-row"]').length === 3,
    );
    for (let clicks = 0; clicks < 10; clicks++) {
      const more = page.getByTestId('load-more-runs');
      if ((await more.count()) === 0) break;
      const before = await page.getByTestId('run-row').count();
      await more.click();
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('[data-testid="run-row"]').length > n ||
          !document.querySelector('[data-testid="load-more-runs"]'),
        before,
      );
    }
    const listed = await page
      .getByTestId('run-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    assert.equal(new Set(listed).size, listed.length, 'no run twice');
    assert.deepEqual([...listed].sort(), [...ids].sort());
    assert.deepEqual(listed, [...ids].reverse(), 'newest first');

    // State filter: only failed runs (from the tests above), on every flow.
    await page.getByTestId('runs-filter-flow').selectOption('');
    await page.getByTestId('runs-filter-state').selectOption('failed');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-state') === 'failed');
    });
    const failed = await app.api.runs.list.query({ state: 'failed' });
    assert.equal(await page.getByTestId('run-row').count(), Math.min(3, failed.runs.length));

    // Text filter on the flow name, and a row opens its run page.
    await page.getByTestId('runs-filter-state').selectOption('');
    await page.getByTestId('runs-filter-search').fill('paged');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="run-row"]')].every((r) =>
        r.textContent?.includes('Paged flow'),
      ),
    );
    await page.getByTestId('run-link').first().click();
    await page.waitForURL(`**/runs/${ids.at(-1)}`);
    await runState(page, 'completed');
    await page.close();
  });
});
