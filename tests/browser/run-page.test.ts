/**
 * Run page features in real Chromium against the production build and its
 * in-process worker (the live running → retrying → completed path is in
 * runs.test.ts): the logs tab's server-side level filter, search and
 * streamed download; re-run from a node (upstream reused, not re-run); run
 * again with the same parameters; who started a run and the link to the
 * exact version that ran (still drawn after the flow is edited); the cached-from link to the producing
 * run; a for-each's panel; a task's inputs (its upstream's output); a big
 * output, and the same value as a downstream input, loaded only on request; an unknown
 * run is a 404; and a 100,000-line log stays a small window of DOM rows.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import type { FlowDocument } from '@/server/engine/document';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';

let app: OwnerBrowserApp;
/** Fetch options for a request as the signed-in owner. */
const asOwner = () => ({ headers: { cookie: app.owner.cookie } });

before(async () => {
  app = await startBrowserApp({ contextOptions: { acceptDownloads: true } });
});

after(async () => {
  await app?.close();
});

afterEach(() => app?.assertNoPageErrors());

type Node = FlowDocument['nodes'][number];
const code = (id: string, source: string, extra: Partial<Node> = {}): Node => ({
  id,
  type: 'code',
  config: { source },
  ...extra,
});

async function startRun(
  document: Omit<FlowDocument, 'version'>,
  params?: Record<string, unknown>,
): Promise<{ flowId: string; runId: string }> {
  const { flow } = await app.api.flows.import.mutate({
    document: { version: 1, ...document } as FlowDocument,
  });
  const { id } = await app.api.runs.start.mutate({ flowId: flow.id, params });
  return { flowId: flow.id, runId: id };
}

async function runState(page: Page, state: string, timeout = 20_000) {
  try {
    await page.locator(`[data-testid="run-page"][data-run-state="${state}"]`).waitFor({ timeout });
  } catch (err) {
    // Say what the page and the server had, so a failure explains itself.
    const id = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const shown = await page
      .getByTestId('run-page')
      .getAttribute('data-run-state', { timeout: 1000 })
      .catch(() => 'no run page');
    const run = await app.api.runs.get.query({ id }).catch((e: Error) => e.message);
    const server =
      typeof run === 'string'
        ? run
        : `${run.state} ${JSON.stringify(run.tasks.map((t) => [t.nodeId, t.state, t.stateReason]))}`;
    throw new Error(`page shows ${shown}; server: ${server}`, { cause: err });
  }
}
const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const logRows = (page: Page) => page.locator('[data-testid="run-log-lines"] li');
const logTexts = (page: Page) =>
  logRows(page).evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));

describe('logs tab', () => {
  test('level filter and search run on the server; Download streams the whole log as text', async () => {
    const { runId } = await startRun({
      name: 'Chatty',
      nodes: [
        code(
          'talk',
          `log.debug('warming the cache');
           log.info('fetched 3 rows');
           log.warn('row 2 looks odd');
           log.error('row 3 is broken');
           log.info('done with the ROWS');
           return 1;`,
        ),
      ],
      edges: [],
    });
    await app.waitForRunEnd(runId);
    const page = await app.openPage(`/runs/${runId}`);
    await runState(page, 'completed');
    await page.getByTestId('tab-logs').click();
    await logRows(page).nth(4).waitFor();
    assert.equal(await logRows(page).count(), 5);
    assert.match((await logTexts(page)).join('\n'), /talk#1\s*warming the cache/);

    await page.getByTestId('logs-level').selectOption('warn');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="run-log-lines"] li').length === 2,
    );
    assert.deepEqual(
      await logRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level'))),
      ['warn', 'error'],
    );

    // Search is case-insensitive "contains", combined with the level.
    await page.getByTestId('logs-level').selectOption('debug');
    await page.getByTestId('logs-search').fill('rows');
    // (The warn filter also showed two lines: wait for these two.)
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="run-log-lines"] li')];
      return (
        rows.length === 2 &&
        rows[0]?.textContent?.includes('fetched 3 rows') &&
        rows[1]?.textContent?.includes('done with the ROWS')
      );
    });
    await page.getByTestId('logs-search').fill('no such words');
    await page.getByText('No log lines.').waitFor();

    // The download is the complete log, whatever the filter shows.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('logs-download').click(),
    ]);
    assert.equal(download.suggestedFilename(), `run-${runId}.txt`);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 5, text);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG talk#1 warming the cache$/);
    assert.match(lines[3]!, /ERROR talk#1 row 3 is broken$/);
    assert.match(lines[4]!, /INFO {2}talk#1 done with the ROWS$/);
    // The same route narrows by level for programs.
    const errors = await (
      await fetch(`${app.url}/api/runs/${runId}/logs.txt?level=error`, asOwner())
    ).text();
    assert.equal(errors.trimEnd().split('\n').length, 1);
    await page.close();
  });

  test('a 100,000-line log: the tail first, a small window of rows in the DOM, older pages on scroll', async () => {
    const { runId } = await startRun({
      name: 'Very chatty',
      nodes: [code('spam', `log.info('the task itself'); return 1;`)],
      edges: [],
    });
    await app.waitForRunEnd(runId);
    // 100,000 more lines of the same run, written straight into its log table.
    await app.tdb.db.execute(sql`
      insert into run_logs (flow_run_id, task_run_id, attempt, level, message, at)
      select ${runId}::uuid, t.id, 1,
             case when g % 1000 = 0 then 'error' else 'info' end,
             'line ' || lpad(g::text, 6, '0'),
             now() + g * interval '1 millisecond'
      from generate_series(1, 100000) as g,
           (select id from task_runs where flow_run_id = ${runId}::uuid) as t`);
    const page = await app.openPage(`/runs/${runId}`);
    await runState(page, 'completed');
    await page.getByTestId('tab-logs').click();
    const view = page.getByTestId('run-log-lines');
    // Opens at the end: the last line is on screen.
    await page.locator('[data-testid="run-log-lines"] li', { hasText: 'line 100000' }).waitFor();
    assert.ok(await page.getByText('line 100000').isVisible());
    const rendered = await logRows(page).count();
    assert.ok(rendered > 10 && rendered < 120, `${rendered} rows in the DOM`);
    assert.ok(Number(await view.getAttribute('data-lines')) <= 500, 'only the tail was read');

    // Scrolling up reads older pages (keyset), keeping the DOM small.
    for (let i = 0; i < 4; i++) {
      const before = Number(await view.getAttribute('data-lines'));
      await view.evaluate((el) => {
        el.scrollTop = 0;
      });
      await page.waitForFunction(
        (n) =>
          Number(
            document.querySelector('[data-testid="run-log-lines"]')?.getAttribute('data-lines'),
          ) > n,
        before,
      );
    }
    assert.ok(Number(await view.getAttribute('data-lines')) >= 2500);
    assert.ok((await logRows(page).count()) < 120);

    // Start and End jump to either end of 100,000 lines without reading them all.
    await page.getByTestId('logs-start').click();
    await page
      .locator('[data-testid="run-log-lines"] li', { hasText: 'the task itself' })
      .waitFor();
    assert.ok(Number(await view.getAttribute('data-lines')) <= 500);
    await page.getByTestId('logs-end').click();
    await page.locator('[data-testid="run-log-lines"] li', { hasText: 'line 100000' }).waitFor();
    assert.ok(await page.getByText('line 100000').isVisible());

    // Filters are answered by the database over all 100,000 lines.
    await page.getByTestId('logs-search').fill('line 054321');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="run-log-lines"] li').length === 1 &&
        document.querySelector('[data-testid="run-log-lines"] li')?.textContent?.includes('054321'),
    );
    await page.getByTestId('logs-search').fill('');
    await page.getByTestId('logs-level').selectOption('error');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-log-lines"]')?.getAttribute('data-lines') ===
        '100',
    );
    assert.match((await logTexts(page)).at(-1) ?? '', /line 100000/);

    // The download streams every line.
    const res = await fetch(`${app.url}/api/runs/${runId}/logs.txt`, asOwner());
    assert.equal(res.status, 200);
    const text = await res.text();
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 100_001);
    assert.match(lines.at(-1)!, /ERROR spam#1 line 100000$/);
    assert.match(lines.at(-2)!, /INFO {2}spam#1 line 099999$/);
    await page.close();
  });
});

describe('header', () => {
  test('who started it; the version that ran, linked, and its own nodes after the flow is edited', async () => {
    const { flowId, runId } = await startRun({
      name: 'Versioned',
      nodes: [code('before', 'return 1;', { position: { x: 0, y: 0 } })],
      edges: [],
    });
    await app.waitForRunEnd(runId);
    // Edited and saved after the run: version 2 has other nodes.
    await app.api.flows.update.mutate({
      id: flowId,
      baseVersion: 1,
      document: {
        version: 1,
        name: 'Versioned',
        nodes: [
          code('after', 'return 2;', { position: { x: 0, y: 0 } }),
          code('added', 'return 3;', { position: { x: 320, y: 0 } }),
        ],
        edges: [{ source: 'after', target: 'added' }],
      },
    });
    const page = await app.openPage(`/runs/${runId}`);
    await runState(page, 'completed');
    await node(page, 'before').waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 1, 'only the nodes that ran');
    assert.equal(await node(page, 'after').count(), 0);
    assert.equal(await page.getByTestId('run-trigger').textContent(), 'api');
    assert.equal(
      (await page.getByTestId('run-started-by').textContent())?.trim(),
      'started by Olivia Owner',
    );
    // "v1" opens that version of the flow (not the latest).
    const version = page.getByTestId('run-flow-version');
    assert.equal(await version.textContent(), 'v1');
    assert.equal(await version.getAttribute('href'), `/flows/${flowId}?version=1`);
    await version.click();
    await page.waitForURL(`**/flows/${flowId}?version=1`);
    await node(page, 'before').waitFor();
    assert.equal(await node(page, 'after').count(), 0);
    await page.close();
  });
});

describe('actions', () => {
  test('re-run from a node: upstream outputs are reused (Cached, no attempt), the node and downstream run again', async () => {
    const { runId } = await startRun({
      name: 'Re-run me',
      nodes: [
        code('extract', 'return { at: Date.now() };', { position: { x: 0, y: 0 } }),
        code('load', 'return inputs.extract.at;', { position: { x: 320, y: 0 } }),
      ],
      edges: [{ source: 'extract', target: 'load' }],
    });
    const first = await app.waitForRunEnd(runId);
    assert.equal(first.state, 'completed');
    const page = await app.openPage(`/runs/${runId}?node=load`);
    await runState(page, 'completed');
    await page.getByTestId('task-panel').waitFor();
    // Its input: what extract produced, under extract's id.
    const input = page.getByTestId('task-inputs').getByTestId('task-input-extract');
    await input.waitFor();
    const firstAt = (first.tasks.find((t) => t.nodeId === 'extract')!.output as { at: number }).at;
    assert.match((await input.textContent()) ?? '', new RegExp(`"at": ${firstAt}`));
    await page.getByTestId('rerun-from-node').click();
    await page.waitForURL(
      (url) => !url.pathname.endsWith(runId) && url.pathname.startsWith('/runs/'),
    );
    const newId = new URL(page.url()).pathname.split('/').at(-1)!;
    await runState(page, 'completed');
    assert.equal(await node(page, 'extract').getAttribute('data-state'), 'cached');
    assert.equal(await node(page, 'load').getAttribute('data-state'), 'completed');
    const rerun = await app.api.runs.get.query({ id: newId });
    const extract = rerun.tasks.find((t) => t.nodeId === 'extract')!;
    const load = rerun.tasks.find((t) => t.nodeId === 'load')!;
    assert.equal(extract.attempts.length, 0, 'upstream was not run again');
    assert.equal(load.attempts.length, 1);
    // load read the reused output: the very value extract produced the first time.
    const produced = first.tasks.find((t) => t.nodeId === 'extract')!.output as { at: number };
    assert.equal(load.output, produced.at);
    // The timeline agrees: no attempt bar for extract, one for load.
    await page.getByTestId('tab-timeline').click();
    const bars = (id: string) =>
      page.locator(
        `[data-testid="timeline-row"][data-node-id="${id}"] [data-testid="timeline-attempt"]`,
      );
    await page.locator('[data-testid="timeline-row"][data-node-id="load"]').waitFor();
    assert.equal(await bars('extract').count(), 0);
    assert.equal(await bars('load').count(), 1);
    await page.close();
  });

  test('run again starts a new run with the same parameters', async () => {
    const { runId } = await startRun(
      {
        name: 'Greeter',
        params: { who: { type: 'string', default: 'world' } },
        nodes: [code('greet', 'return "hello " + params.who;')],
        edges: [],
      },
      { who: 'Ada' },
    );
    await app.waitForRunEnd(runId);
    const page = await app.openPage(`/runs/${runId}`);
    await runState(page, 'completed');
    await page.getByTestId('run-again').click();
    await page.waitForURL(
      (url) => !url.pathname.endsWith(runId) && url.pathname.startsWith('/runs/'),
    );
    await runState(page, 'completed');
    const newId = new URL(page.url()).pathname.split('/').at(-1)!;
    const again = await app.api.runs.get.query({ id: newId });
    assert.deepEqual(again.params, { who: 'Ada' });
    assert.equal(again.tasks[0]!.output, 'hello Ada');
    assert.equal(again.retryOfRunId, null, 'a fresh run, not a retry');
    assert.equal(again.triggeredBy, 'Olivia Owner');
    assert.equal(await page.getByTestId('run-trigger').textContent(), 'manual');
    assert.match((await page.getByTestId('run-started-by').textContent()) ?? '', /Olivia Owner/);
    await page.close();
  });

  test('a cached task links to the run that produced its output', async () => {
    const { flowId, runId: producer } = await startRun({
      name: 'Cached pick',
      nodes: [
        code('pick', 'return Math.random();', { cache: { enabled: true, ttlSeconds: 3600 } }),
      ],
      edges: [],
    });
    await app.waitForRunEnd(producer);
    const { id: consumer } = await app.api.runs.start.mutate({ flowId });
    await app.waitForRunEnd(consumer);
    const page = await app.openPage(`/runs/${consumer}`);
    await runState(page, 'completed');
    assert.equal(await node(page, 'pick').getAttribute('data-state'), 'cached');
    await node(page, 'pick').getByTestId('cached-from-link').click();
    await page.waitForURL(`**/runs/${producer}?node=pick`);
    await runState(page, 'completed');
    const panel = page.getByTestId('task-panel');
    assert.equal(await panel.getAttribute('data-node-id'), 'pick');
    assert.equal(await panel.getByTestId('task-state').getAttribute('data-state'), 'completed');
    await page.close();
  });
});

describe('task panel', () => {
  test('a for-each is one node with counts; its panel lists the items', async () => {
    const { runId } = await startRun({
      name: 'Squares',
      nodes: [
        code('list', 'return [1, 2, 3, 4];', { position: { x: 0, y: 0 } }),
        {
          id: 'square',
          type: 'for-each',
          position: { x: 320, y: 0 },
          config: {
            items: '{{ nodes.list.output }}',
            task: { type: 'code', config: { source: 'return item * item;' } },
          },
        },
      ],
      edges: [{ source: 'list', target: 'square' }],
    });
    await app.waitForRunEnd(runId);
    const page = await app.openPage(`/runs/${runId}`);
    await runState(page, 'completed');
    assert.equal(await page.locator('.react-flow__node').count(), 2, 'items are not nodes');
    assert.equal(await node(page, 'square').getByTestId('node-items').textContent(), '4/4 items');
    await node(page, 'square').click();
    const items = page.getByTestId('foreach-items');
    await items.waitFor();
    assert.match((await items.textContent()) ?? '', /Items \(4\)/);
    assert.match((await items.textContent()) ?? '', /completed 4/);
    await items.locator('li').nth(3).waitFor();
    const rows = await items.locator('li').evaluateAll((els) => els.map((e) => e.textContent));
    assert.equal(rows.length, 4);
    assert.match(rows[3] ?? '', /#3.*completed.*16/);
    assert.match((await page.getByTestId('task-output').textContent()) ?? '', /1,\s*4,\s*9,\s*16/);
    await page.close();
  });

  test('a big output shows its size and loads only when asked; small ones open at once', async () => {
    const { runId } = await startRun({
      name: 'Big output',
      nodes: [
        code(
          'big',
          "return Array.from({ length: 3000 }, (_, i) => ({ i, label: 'row number ' + i }));",
          { position: { x: 0, y: 0 } },
        ),
        code('count', 'return inputs.big.length;', { position: { x: 320, y: 0 } }),
      ],
      edges: [{ source: 'big', target: 'count' }],
    });
    await app.waitForRunEnd(runId);
    const page = await app.openPage(`/runs/${runId}?node=big`);
    await runState(page, 'completed');
    const output = page.getByTestId('task-output');
    await output.waitFor();
    assert.equal(await output.getAttribute('data-deferred'), 'true');
    assert.match((await output.getByTestId('json-size').textContent()) ?? '', /KB$/);
    assert.equal(await output.getByTestId('json-tree').count(), 0, 'not rendered before asked');
    await output.getByTestId('json-load').click();
    await output.getByTestId('json-tree').waitFor();
    const tree = (await output.getByTestId('json-tree').textContent()) ?? '';
    // One level at a time, the first 200 entries: row 0 shown (collapsed), row 2999 not yet.
    assert.match(tree, /… 2800 more/);
    assert.doesNotMatch(tree, /row number 2999/);
    // The config is small: it came with the task's detail, open.
    assert.match(
      (await page.getByTestId('task-config').textContent()) ?? '',
      /"source": "return Array/,
    );
    await page.close();
    // Downstream, the same big value is count's input: sized, loaded when asked
    // (on a fresh page: this one already holds the loaded value).
    const downstream = await app.openPage(`/runs/${runId}?node=count`);
    await runState(downstream, 'completed');
    const input = downstream.getByTestId('task-inputs').getByTestId('task-input-big');
    await input.waitFor();
    assert.equal(await input.getByTestId('task-input-value').getAttribute('data-deferred'), 'true');
    assert.match((await input.getByTestId('json-size').textContent()) ?? '', /KB$/);
    assert.equal(await input.getByTestId('json-tree').count(), 0, 'not rendered before asked');
    await input.getByTestId('json-load').click();
    await input.getByTestId('json-tree').waitFor();
    assert.match((await input.getByTestId('json-tree').textContent()) ?? '', /… 2800 more/);
    await downstream.close();
  });
});

test('a run that does not exist is a 404 page, not an endless "Loading"', async () => {
  const res = await fetch(`${app.url}/runs/00000000-0000-4000-8000-000000000000`, asOwner());
  assert.equal(res.status, 404);
  assert.equal((await fetch(`${app.url}/runs/not-a-run`, asOwner())).status, 404);
  const page = await app.openPage('/runs/00000000-0000-4000-8000-000000000000');
  await page.getByTestId('not-found').waitFor();
  assert.match((await page.getByTestId('not-found').textContent()) ?? '', /Run not found/);
  assert.equal(
    (await fetch(`${app.url}/api/runs/00000000-0000-4000-8000-000000000000/logs.txt`, asOwner()))
      .status,
    404,
  );
  await page.close();
});
