/**
 * Secrets and variables in the real app (production build, real Chromium):
 * the settings pages, the editor's suggestions, and the leak test —
 * a secret used by an http node reaches the local receiver but appears
 * nowhere a person or a program can read: the run page (raw HTML and the
 * rendered page), the tRPC answers, the event stream, the log download,
 * the flow export — and the same through a share link, as an anonymous
 * visitor sees it: the share-token tRPC answers the share page fetches,
 * its event stream, its log download and the rendered share page with the
 * http node's panel open (the share page's own HTML carries no run data:
 * it fetches in the browser). Each scanned surface must also show the
 * mask where the secret was used, so a scan of empty text cannot pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';
import { leakForms, leaksIn } from '../secrets/leak-check';

let app: OwnerBrowserApp;
let dataDir: string;
let receiver: TestServer;
const seenAuthorization: (string | undefined)[] = [];
const token = `ghp_${randomBytes(18).toString('hex')}`;

before(async () => {
  receiver = await startHttpServer((req, res, body) => {
    seenAuthorization.push(req.headers.authorization);
    json(res, 200, { youSent: req.headers.authorization, body });
  });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-secrets-'));
  app = await startBrowserApp({ env: { PIPEWRIGHT_DATA_DIR: dataDir } });
  await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
});

after(async () => {
  await app?.close();
  await receiver?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => app?.assertNoPageErrors());

async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().textContent()) ?? '';
}

describe('the key', () => {
  test('is generated once into the data directory, readable by its owner only', () => {
    const file = path.join(dataDir, 'secret.key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.match(app.output(), /Generated the secret key .*secret\.key \(mode 0600\)/);
  });
});

describe('settings pages', () => {
  test('secrets: create, replace, delete; the value never comes back to the page', async () => {
    const page = await app.openPage('/');
    await page.getByTestId('settings-link').click();
    await page.waitForURL('**/settings/secrets');
    await page.getByTestId('secrets-empty').waitFor();

    await page.getByTestId('new-secret').click();
    const dialog = page.getByTestId('secret-dialog');
    await dialog.getByTestId('secret-name-input').fill('bad name');
    await dialog.getByTestId('secret-value-input').fill(token);
    await dialog.getByTestId('save-secret').click();
    await dialog.getByText(/Name must start with a letter/).waitFor();
    await dialog.getByTestId('secret-name-input').fill('API_TOKEN');
    await dialog.getByTestId('save-secret').click();
    await page.locator('[data-testid="secret-row"][data-name="API_TOKEN"]').waitFor();
    assert.match(await textOf(page, 'secrets-notice'), /Saved secret API_TOKEN/);

    // A second one, to delete.
    await page.getByTestId('new-secret').click();
    await dialog.getByTestId('secret-name-input').fill('OLD_KEY');
    await dialog.getByTestId('secret-value-input').fill('old-value-0001');
    await dialog.getByTestId('save-secret').click();
    const oldRow = page.locator('[data-testid="secret-row"][data-name="OLD_KEY"]');
    await oldRow.waitFor();

    // Replace: a write-only form, no current value shown.
    const row = page.locator('[data-testid="secret-row"][data-name="API_TOKEN"]');
    await row.getByTestId('replace-secret').click();
    assert.equal(await dialog.getByTestId('secret-name-input').count(), 0);
    assert.equal(await dialog.getByTestId('secret-value-input').inputValue(), '');
    await dialog.getByTestId('secret-value-input').fill('temporary-value-1');
    await dialog.getByTestId('save-secret').click();
    await page.getByText('Replaced the value of API_TOKEN.').waitFor();
    // And back to the token the run below uses.
    await row.getByTestId('replace-secret').click();
    await dialog.getByTestId('secret-value-input').fill(token);
    await dialog.getByTestId('save-secret').click();
    await dialog.waitFor({ state: 'hidden' });

    await oldRow.getByTestId('delete-secret').click();
    await page.getByTestId('confirm-delete-secret').click();
    await oldRow.waitFor({ state: 'detached' });
    assert.deepEqual(
      (await app.api.secrets.list.query()).map((s) => s.name),
      ['API_TOKEN'],
    );

    await page.reload();
    await page.locator('[data-testid="secret-row"][data-name="API_TOKEN"]').waitFor();
    const html = await page.content();
    assert.deepEqual(leaksIn(html, leakForms(token)), [], 'the page never holds the value');
    await page.close();
  });

  test('variables: the JSON editor names the problem; saved values are listed', async () => {
    const page = await app.openPage('/settings/variables');
    await page.getByTestId('variables-empty').waitFor();
    await page.getByTestId('new-variable').click();
    const dialog = page.getByTestId('variable-dialog');
    await dialog.getByTestId('variable-name-input').fill('receiver');
    await dialog.getByTestId('variable-value-input').fill('{\n  "base": "http://x",\n}');
    await dialog.getByTestId('save-variable').click();
    assert.match(
      await textOf(page, 'variable-value-error'),
      /^Value is not valid JSON at line 3, column 1/,
    );
    await dialog
      .getByTestId('variable-value-input')
      .fill(JSON.stringify({ base: receiver.url, path: '/hook' }));
    await dialog.getByTestId('variable-description-input').fill('Where reports go');
    await dialog.getByTestId('save-variable').click();
    const row = page.locator('[data-testid="variable-row"][data-name="receiver"]');
    await row.waitFor();
    assert.match((await row.getByTestId('variable-value').textContent()) ?? '', /"path":"\/hook"/);
    assert.match((await row.textContent()) ?? '', /Where reports go/);

    await row.getByTestId('edit-variable').click();
    assert.match(await dialog.getByTestId('variable-value-input').inputValue(), /"base": "http/);
    await dialog
      .getByTestId('variable-value-input')
      .fill(JSON.stringify({ base: receiver.url, path: '/echo' }, null, 2));
    await dialog.getByTestId('save-variable').click();
    await page.getByText('Updated variable receiver.').waitFor();
    assert.deepEqual((await app.api.variables.get.query({ name: 'receiver' })).value, {
      base: receiver.url,
      path: '/echo',
    });
    await page.close();
  });
});

describe('a secret used by an http node', () => {
  let runId: string;
  let flowId: string;

  test('reaches the receiver', async () => {
    const { flow } = await app.api.flows.import.mutate({
      document: {
        version: 1,
        name: 'Uses a secret',
        nodes: [
          {
            id: 'call',
            type: 'http',
            position: { x: 0, y: 0 },
            config: {
              method: 'POST',
              url: '{{ vars.receiver.base }}{{ vars.receiver.path }}',
              headers: { Authorization: 'Bearer {{ secrets.API_TOKEN }}' },
              body: { note: 'token is {{ secrets.API_TOKEN }}' },
            },
          },
          {
            id: 'show',
            type: 'code',
            position: { x: 300, y: 0 },
            config: {
              source:
                'log.info("echo: " + JSON.stringify(inputs.call.body)); return { echoed: inputs.call.body.youSent };',
            },
          },
        ],
        edges: [{ source: 'call', target: 'show' }],
      },
    });
    flowId = flow.id;
    ({ id: runId } = await app.api.runs.start.mutate({ flowId }));
    // Follow the event stream from the start, as the run page does.
    const stream = await fetch(`${app.url}/api/runs/${runId}/events`, {
      headers: { cookie: app.owner.cookie },
    });
    const events = await stream.text();
    assert.match(events, /event: snapshot/);
    assert.match(events, /"completed"/);
    assert.deepEqual(leaksIn(events, leakForms(token)), [], 'not in the event stream');
    const run = await app.api.runs.get.query({ id: runId });
    assert.equal(run.state, 'completed', JSON.stringify(run.tasks.map((t) => t.stateReason)));
    assert.deepEqual(seenAuthorization, [`Bearer ${token}`]);
  });

  test('appears nowhere: run and share pages, tRPC answers, event streams, log downloads, export', async () => {
    const surfaces: Record<string, string> = {};
    const asOwner = { headers: { cookie: app.owner.cookie } };
    surfaces['run page HTML'] = await (await fetch(`${app.url}/runs/${runId}`, asOwner)).text();
    surfaces['runs list HTML'] = await (await fetch(`${app.url}/runs`, asOwner)).text();
    const share = await app.api.shares.create.mutate({ runId });
    const sharePage = await fetch(share.url);
    assert.equal(sharePage.status, 200, 'the share page opens');
    surfaces['share page HTML'] = await sharePage.text();
    const trpcGet = async (procedure: string, input: unknown, init: RequestInit = asOwner) => {
      const query = encodeURIComponent(JSON.stringify({ json: input }));
      const res = await fetch(`${app.url}/api/trpc/${procedure}?input=${query}`, init);
      assert.equal(res.status, 200, `${procedure}: ${res.status}`);
      return res.text();
    };
    surfaces['logs.txt'] = await (
      await fetch(`${app.url}/api/runs/${runId}/logs.txt`, asOwner)
    ).text();

    // Through the share link, with no session: what the share page reads.
    const shareToken = new URL(share.url).pathname.split('/').at(-1)!;
    const anonymous = { headers: {} };
    const viaShare = (procedure: string, input: Record<string, unknown>) =>
      trpcGet(procedure, { ...input, share: shareToken }, anonymous);
    surfaces['share runs.summary'] = await viaShare('runs.summary', { id: runId });
    surfaces['share runs.get'] = await viaShare('runs.get', { id: runId });
    surfaces['share runs.logs'] = await viaShare('runs.logs', { runId });
    for (const nodeId of ['call', 'show']) {
      surfaces[`share runs.task ${nodeId}`] = await viaShare('runs.task', { runId, nodeId });
      for (const field of ['resolvedConfig', 'output']) {
        surfaces[`share runs.taskValue ${nodeId} ${field}`] = await viaShare('runs.taskValue', {
          runId,
          nodeId,
          field,
        });
      }
    }
    const shareEvents = await fetch(`${app.url}/api/share/${shareToken}/events`);
    assert.equal(shareEvents.status, 200);
    // The run is over: the stream sends its final snapshot and closes.
    surfaces['share events'] = await shareEvents.text();
    assert.match(surfaces['share events'], /event: snapshot/);
    const shareLog = await fetch(`${app.url}/api/runs/${runId}/logs.txt?share=${shareToken}`);
    assert.equal(shareLog.status, 200);
    surfaces['share logs.txt'] = await shareLog.text();
    surfaces['runs.get'] = await trpcGet('runs.get', { id: runId });
    surfaces['runs.logs'] = await trpcGet('runs.logs', { runId });
    surfaces['runs.list'] = await trpcGet('runs.list', {});
    const run = await app.api.runs.get.query({ id: runId });
    for (const task of run.tasks) {
      surfaces[`runs.taskRun ${task.nodeId}`] = await trpcGet('runs.taskRun', { id: task.id });
      surfaces[`runs.logs ${task.nodeId}`] = await trpcGet('runs.logs', {
        runId,
        taskRunId: task.id,
      });
    }
    surfaces['flows.export'] = await trpcGet('flows.export', { id: flowId });
    surfaces['secrets.list'] = await trpcGet('secrets.list', undefined);

    // The rendered run page with the task panel open: resolved config,
    // output and logs of each task.
    const page = await app.openPage(`/runs/${runId}`);
    await page.locator('[data-testid="run-page"][data-run-state="completed"]').waitFor();
    for (const nodeId of ['call', 'show']) {
      await page.locator(`.react-flow__node[data-id="${nodeId}"]`).click();
      const panel = page.getByTestId('task-panel');
      await panel.getByTestId('task-config').waitFor();
      await panel.locator('[data-testid="task-logs"] li').first().waitFor();
      surfaces[`rendered panel ${nodeId}`] = await page.content();
    }
    const config = await page.getByTestId('task-panel').getByTestId('task-config').textContent();
    assert.ok(config !== null);
    await page.locator('.react-flow__node[data-id="call"]').click();
    assert.match(
      (await page.getByTestId('task-panel').getByTestId('task-config').textContent()) ?? '',
      /Bearer ••••/,
    );
    await page.getByTestId('tab-logs').click();
    await page.locator('[data-testid="run-log-lines"] li').first().waitFor();
    surfaces['logs tab'] = await page.content();
    await page.close();

    // The share page as a visitor without an account sees it, the http node's panel open.
    const guestContext = await app.newContext();
    const guest = await app.newPage(guestContext);
    await guest.goto(share.url);
    await guest.locator('[data-testid="run-page"][data-run-state="completed"]').waitFor();
    await guest.getByTestId('shared-run-banner').waitFor();
    await guest.locator('.react-flow__node[data-id="call"]').click();
    const guestPanel = guest.getByTestId('task-panel');
    await guestPanel.getByTestId('task-config').waitFor();
    await guestPanel.getByTestId('task-output').waitFor();
    surfaces['rendered share page, http panel'] = await guest.content();
    await guestContext.close();

    // Each of these shows the mask where the secret was used: the scans read real run data.
    for (const where of [
      'logs.txt',
      'share runs.get',
      'share runs.logs',
      'share runs.task call',
      'share runs.taskValue call resolvedConfig',
      'share runs.taskValue call output',
      'share runs.task show',
      'share logs.txt',
      'rendered share page, http panel',
    ]) {
      assert.ok(surfaces[where]?.includes('••••'), `${where} shows the mask`);
    }
    // Summaries carry states, not values (those load with a task's panel): they are this run's.
    for (const where of ['share runs.summary', 'share events']) {
      assert.ok(surfaces[where]?.includes(runId), `${where} is this run`);
      assert.match(surfaces[where] ?? '', /"completed"/, where);
    }

    for (const [where, text] of Object.entries(surfaces)) {
      assert.deepEqual(leaksIn(text, leakForms(token)), [], `the secret is not in ${where}`);
    }
    assert.match(surfaces['runs.get']!, /Bearer ••••/, 'the mask shows where it was used');
    assert.match(surfaces['flows.export']!, /\{\{ secrets\.API_TOKEN \}\}/);
  });

  test('the editor suggests vars and secrets by name after {{', async () => {
    const page = await app.openPage(`/flows/${flowId}`);
    await page.locator('.react-flow__node[data-id="call"]').click();
    const url = page.getByTestId('config-url');
    await url.fill('');
    await url.pressSequentially('{{ se');
    const suggestions = page.getByTestId('template-suggestion');
    await suggestions.first().waitFor();
    assert.deepEqual(await suggestions.allTextContents(), ['{{ secrets.API_TOKEN }}']);
    await url.fill('');
    await url.pressSequentially('{{ vars');
    await suggestions.first().waitFor();
    assert.deepEqual(await suggestions.allTextContents(), ['{{ vars.receiver }}']);
    await page.keyboard.press('Enter');
    assert.equal(await url.inputValue(), '{{ vars.receiver }}');
    await page.close();
  });
});
