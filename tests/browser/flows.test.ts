/**
 * The flows list and the flow page in real Chromium against the production
 * build: create, import (good and bad documents), the read-only graph,
 * rename, duplicate, export, delete and version history.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectCount, expectText } from '../helpers/browser';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';

let app: OwnerBrowserApp;
let tmp: string;

before(async () => {
  // No in-process worker: these tests draw flows, they do not run them.
  app = await startBrowserApp({
    env: { PIPEWRIGHT_WORKER: '0' },
    contextOptions: { viewport: { width: 1280, height: 800 }, acceptDownloads: true },
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-browser-'));
});

after(async () => {
  await app?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => app?.assertNoPageErrors());

/** Opens `pathname` in a browser context of its own, signed in as the owner. */
async function openPage(pathname = '/'): Promise<Page> {
  return app.openPage(pathname, await app.newContext(app.owner));
}

/** Opens the flows list once it has loaded (and so hydrated: its handlers are live). */
async function openFlowsList(): Promise<Page> {
  const page = await openPage('/');
  await page.locator('[data-testid="flows-empty"], [data-testid="flow-row"]').first().waitFor();
  return page;
}

function writeTempJson(name: string, content: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const flowRow = (page: Page, name: string) =>
  page.getByTestId('flow-row').filter({ has: page.getByRole('link', { name, exact: true }) });

const FLOW_URL = /\/flows\/[0-9a-f-]{36}(\?version=\d+)?$/;

/** A valid three-node flow without saved positions: the page lays it out itself. */
const releaseCheck = {
  version: 1,
  name: 'Release check',
  description: 'Checks the build and waits before announcing',
  nodes: [
    { id: 'check', type: 'code', name: 'Check build', config: { source: 'return { ok: true };' } },
    {
      id: 'decide',
      type: 'branch',
      name: 'Build green?',
      config: { condition: 'inputs.check.ok === true' },
    },
    { id: 'wait', type: 'delay', name: 'Cool down', config: { seconds: 30 } },
  ],
  edges: [
    { source: 'check', target: 'decide' },
    { source: 'decide', sourceHandle: 'true', target: 'wait' },
  ],
};

describe('flows list and flow page', () => {
  test('an empty list explains Pipewright; a created flow survives a reload and opens', async () => {
    const page = await openFlowsList();
    const empty = page.getByTestId('flows-empty');
    await expectText(empty, /Pipewright runs pipelines/);
    assert.equal(await empty.getByRole('button', { name: /start from an example/i }).count(), 1);

    await page.getByTestId('new-flow').click();
    const name = page.getByTestId('new-flow-name');
    assert.equal(
      await name.evaluate((el) => el === document.activeElement),
      true,
      'the name field has the focus',
    );
    await name.fill('Nightly report');
    await page.getByTestId('new-flow-submit').click();
    await page.waitForURL(FLOW_URL);
    await expectText(page.getByTestId('flow-name'), 'Nightly report');
    await page.getByTestId('empty-graph').waitFor();

    await page.goto(`${app.url}/`);
    await page.reload();
    const row = flowRow(page, 'Nightly report');
    await row.waitFor();
    await expectText(row.locator('td').nth(2), 'v1');

    // A taken name is refused inline, under the field, and the dialog stays open.
    await page.getByTestId('new-flow').click();
    await page.getByTestId('new-flow-name').fill('nightly report');
    await page.getByTestId('new-flow-submit').click();
    await expectText(page.getByTestId('new-flow-dialog').getByRole('alert'), /already exists/);
    await page.keyboard.press('Escape');
    await page.getByTestId('new-flow-name').waitFor({ state: 'detached' });

    await row.getByRole('link', { name: 'Nightly report' }).click();
    await page.waitForURL(FLOW_URL);
    await expectText(page.getByTestId('flow-name'), 'Nightly report');
  });

  test('importing a document with a cycle lists the nodes of the cycle and saves nothing', async () => {
    const page = await openFlowsList();
    const cyclic = {
      version: 1,
      name: 'Loop',
      nodes: ['fetch', 'parse', 'store'].map((id) => ({
        id,
        type: 'code',
        config: { source: 'return 1;' },
      })),
      edges: [
        { source: 'fetch', target: 'parse' },
        { source: 'parse', target: 'store' },
        { source: 'store', target: 'fetch' },
      ],
    };
    await page.getByTestId('import-flow').setInputFiles(writeTempJson('loop.json', cyclic));
    const error = page.getByTestId('import-error');
    await expectText(error, /loop\.json was not imported/);
    const text = (await error.textContent()) ?? '';
    assert.match(text, /node "fetch"/);
    assert.match(text, /is part of a cycle: fetch → parse → store → fetch/);

    // Every problem is listed, each naming its node and field.
    const broken = {
      version: 1,
      name: 'Broken',
      nodes: [
        { id: 'post', type: 'http', config: { url: 'example.com/hook' } },
        { id: 'mystery', type: 'teleport' },
      ],
      edges: [{ source: 'post', target: 'nowhere' }],
    };
    await page.getByTestId('import-flow').setInputFiles(writeTempJson('broken.json', broken));
    await expectText(error, /broken\.json was not imported/);
    const items = error.locator('li');
    await expectCount(items, 3);
    assert.match(
      (await items.nth(0).textContent()) ?? '',
      /node "post"\s*config\.url\s*— must start with http/,
    );
    assert.match(
      (await items.nth(1).textContent()) ?? '',
      /node "mystery"\s*type\s*— unknown task type/,
    );
    assert.match((await items.nth(2).textContent()) ?? '', /edge #1\s*target\s*— .*"nowhere"/);

    // A file that is not JSON is reported before anything is sent.
    await page
      .getByTestId('import-flow')
      .setInputFiles(writeTempJson('typo.json', '{ "version": 1, "name": "Typo", }'));
    await expectText(error, /typo\.json was not imported[\s\S]*not valid JSON/);

    const names = (await app.api.flows.list.query()).map((f) => f.name);
    for (const refused of ['Loop', 'Broken', 'Typo']) assert.ok(!names.includes(refused), refused);
  });

  test('an imported three-node flow is drawn with its branch handles and exports as it was imported', async () => {
    const page = await openFlowsList();
    await page
      .getByTestId('import-flow')
      .setInputFiles(writeTempJson('release.json', releaseCheck));
    await page.getByRole('status').filter({ hasText: 'Imported Release check' }).waitFor();

    const row = flowRow(page, 'Release check');
    await expectText(row.locator('td').nth(1), '3');

    // Export downloads "<name>.json", the document exactly as imported.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByTestId('export-flow').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'Release check.json');
    const saved = path.join(tmp, 'exported.json');
    await download.saveAs(saved);
    assert.deepEqual(JSON.parse(readFileSync(saved, 'utf8')), releaseCheck);

    await row.getByRole('link', { name: 'Release check' }).click();
    await page.waitForURL(FLOW_URL);
    await expectText(page.getByTestId('flow-name'), 'Release check');

    const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
    for (const id of ['check', 'decide', 'wait']) await node(id).waitFor();
    await expectText(node('decide'), /Branch[\s\S]*Build green\?[\s\S]*decide/i);
    await expectText(node('wait'), /Delay[\s\S]*Cool down/i);
    for (const handle of ['true', 'false']) {
      assert.equal(
        await node('decide')
          .locator(`.react-flow__handle.source[data-handleid="${handle}"]`)
          .count(),
        1,
        `branch has a "${handle}" output`,
      );
    }
    await expectCount(page.locator('.react-flow__edge'), 2);

    // No positions were saved: the layered layout puts each step right of the last.
    const x = async (id: string) => (await node(id).boundingBox())?.x ?? Number.NaN;
    const [checkX, decideX, waitX] = [await x('check'), await x('decide'), await x('wait')];
    assert.ok(
      checkX < decideX && decideX < waitX,
      `left to right: ${checkX}, ${decideX}, ${waitX}`,
    );
  });

  test('rename, duplicate and delete are reflected in the list', async () => {
    await app.api.flows.create.mutate({
      name: 'Inventory sync',
      description: 'Mirrors stock levels',
    });
    await app.api.flows.create.mutate({ name: 'Taken name' });
    const page = await openFlowsList();

    // Rename: a taken name is refused inline; a free one replaces the old everywhere.
    await flowRow(page, 'Inventory sync').getByTestId('rename-flow').click();
    const nameField = page.getByTestId('rename-flow-name');
    assert.equal(await nameField.inputValue(), 'Inventory sync');
    await nameField.fill('Taken name');
    await page.getByTestId('rename-flow-submit').click();
    await expectText(page.getByTestId('rename-flow-dialog').getByRole('alert'), /already exists/);
    await nameField.fill('Stock mirror');
    await page.getByTestId('rename-flow-submit').click();
    const renamed = flowRow(page, 'Stock mirror');
    await renamed.waitFor();
    await expectCount(flowRow(page, 'Inventory sync'), 0);
    await expectText(renamed.locator('td').nth(2), 'v2');

    // Duplicate: a copy with a free name.
    await renamed.getByTestId('duplicate-flow').click();
    const copy = flowRow(page, 'Stock mirror (copy)');
    await copy.waitFor();
    await expectText(copy, /Mirrors stock levels/);

    // Delete asks first, naming the flow; Cancel keeps it.
    await copy.getByTestId('delete-flow').click();
    const dialog = page.getByTestId('delete-flow-dialog');
    await expectText(dialog, /Delete “Stock mirror \(copy\)”\?/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.getByTestId('confirm-delete').waitFor({ state: 'detached' });
    await copy.waitFor();
    await copy.getByTestId('delete-flow').click();
    await page.getByTestId('confirm-delete').click();
    await expectCount(copy, 0);

    await page.reload();
    await renamed.waitFor();
    await expectCount(flowRow(page, 'Stock mirror (copy)'), 0);
    await expectCount(flowRow(page, 'Inventory sync'), 0);

    // Search narrows the list by name.
    await page.getByTestId('search-flows').fill('stock');
    await expectCount(page.getByTestId('flow-row'), 1);
    await expectCount(renamed, 1);
  });

  test('the version history opens an older version read-only', async () => {
    const { flow } = await app.api.flows.import.mutate({
      document: { ...releaseCheck, name: 'Versioned' },
    });
    await app.api.flows.rename.mutate({ id: flow.id, name: 'Versioned, renamed' });
    const page = await openPage(`/flows/${flow.id}`);
    await expectText(page.getByTestId('flow-name'), 'Versioned, renamed');
    await expectText(page.getByTestId('flow-version'), 'v2');
    // The editor keeps the history in its side panel's second tab.
    await page.getByTestId('panel-tab-history').click();
    const items = page.getByTestId('version-item');
    await expectCount(items, 2);
    await expectText(items.nth(0), /v2[\s\S]*Renamed from "Versioned" to "Versioned, renamed"/);

    await page.locator('[data-testid="version-item"][data-version="1"]').click();
    await page.waitForURL(/\?version=1$/);
    await expectText(page.getByTestId('flow-name'), 'Versioned');
    await expectText(page.getByTestId('flow-version'), 'v1');
    await page.getByTestId('older-version-notice').waitFor();
    await page.locator('.react-flow__node[data-id="decide"]').waitFor();

    // A version that does not exist says so and links to the latest.
    await page.goto(`${app.url}/flows/${flow.id}?version=9`);
    await expectText(page.getByTestId('not-found'), /Version 9 not found/);
    await page.getByRole('link', { name: 'Open the latest version' }).click();
    await expectText(page.getByTestId('flow-version'), 'v2');
  });

  test('a flow page arrives with its flow and the task catalog: drawn without asking for them', async () => {
    const { flow } = await app.api.flows.import.mutate({
      document: { ...releaseCheck, name: 'Arrives with the page' },
    });
    await app.api.flows.rename.mutate({ id: flow.id, name: 'Arrives, renamed' });
    const context = await app.newContext(app.owner);
    // The latest version (in the editor) and an older one (read-only).
    for (const [query, name] of [
      ['', 'Arrives, renamed'],
      ['?version=1', 'Arrives with the page'],
    ] as const) {
      const page = await app.newPage(context);
      const asked: string[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/api/trpc/')) asked.push(url.pathname.slice(10));
      });
      await page.goto(`${app.url}/flows/${flow.id}${query}`);
      await expectText(page.getByTestId('flow-name'), name);
      await page.locator('.react-flow__node[data-id="decide"]').waitFor();
      const reads = asked.flatMap((path) => path.split(','));
      assert.ok(!reads.includes('flows.get'), `flows.get was asked for: ${asked.join(' ')}`);
      assert.ok(!reads.includes('catalog.list'), `catalog.list was asked for: ${asked.join(' ')}`);
      await page.close();
    }
  });

  test('a missing flow shows a not-found message with the way back', async () => {
    const page = await openPage('/flows/00000000-0000-4000-8000-000000000000');
    await expectText(page.getByTestId('not-found'), /Flow not found/);
    await page.getByTestId('not-found').getByRole('link', { name: 'Back to flows' }).click();
    await page.waitForURL(`${app.url}/`);

    const response = await page.goto(`${app.url}/flows/not-a-flow-id`);
    assert.equal(response?.status(), 404);
    await expectText(page.getByTestId('not-found'), /Page not found/);
  });
});
