/**
 * The Triggers panel of the flow editor in real Chromium against the
 * production build: the webhook URL and its curl example, calling it over
 * HTTP (the real route), regenerating it; adding a failure notification and
 * seeing its delivery; setting the flow's retention.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { repoRoot } from '../helpers/app';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let app: OwnerBrowserApp;
let receiver: TestServer;

before(async () => {
  receiver = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
  app = await startBrowserApp({ contextOptions: { viewport: { width: 1280, height: 860 } } });
});

after(async () => {
  await app?.close();
  await receiver?.close();
});

async function openEditor(flowId: string): Promise<Page> {
  const page = await app.openPage(`/flows/${flowId}`);
  await page.getByTestId('flow-editor').waitFor();
  return page;
}

/** POSTs to a webhook URL on the app under test (the panel shows the public address). */
async function callHook(hookUrl: string, body: string | undefined, method = 'POST') {
  const response = await fetch(`${app.url}${new URL(hookUrl).pathname}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('triggers panel', () => {
  test('webhook, notification and retention, as a user sets them up', async () => {
    const { flow } = await app.api.flows.import.mutate({
      document: {
        version: 1,
        name: 'Nightly export',
        params: {
          count: { type: 'number', required: true },
          fail: { type: 'boolean', default: false },
        },
        nodes: [
          {
            id: 'export',
            type: 'code',
            config: {
              source: 'if (params.fail) throw new Error("export failed"); return params.count;',
            },
          },
        ],
        edges: [],
      },
    });
    const page = await openEditor(flow.id);
    await page.getByTestId('open-triggers').click();
    const panel = page.getByTestId('triggers-panel');
    await panel.waitFor();

    // The webhook and a curl example with the flow's parameters.
    const urlField = page.getByTestId('webhook-url');
    await urlField.waitFor();
    const hookUrl = await urlField.inputValue();
    assert.match(hookUrl, /\/api\/hooks\/[A-Za-z0-9_-]{43}$/);
    const curl = await page.getByTestId('webhook-curl').textContent();
    assert.ok(curl?.includes(hookUrl), curl ?? '');
    const example = JSON.parse(/-d '(.*)'$/.exec(curl ?? '')?.[1] ?? 'null');
    assert.deepEqual(example, { count: 1, fail: false });

    // Calling it over HTTP starts a run; the answer links to it.
    const started = await callHook(hookUrl, JSON.stringify({ count: 5 }));
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.runUrl, `${app.url}/runs/${started.body.runId}`);
    const run = await until('the webhook run', async () => {
      const r = await app.api.runs.get.query({ id: started.body.runId as string });
      return r.state === 'completed' ? r : undefined;
    });
    assert.equal(run.trigger, 'webhook');
    assert.equal((await callHook(hookUrl, '{"count": "five"}')).body.field, 'count');
    assert.equal((await callHook(hookUrl, undefined, 'GET')).status, 405);
    const unknown = `${hookUrl.slice(0, -43)}${'x'.repeat(43)}`;
    assert.equal((await callHook(unknown, '{}')).status, 404);

    // Regenerate (after confirming): the old URL is dead, the new one works.
    await page.getByTestId('regenerate-webhook').click();
    await page.getByTestId('regenerate-confirm').click();
    await page.getByTestId('regenerate-dialog').waitFor({ state: 'hidden' });
    await until('the new URL', async () => {
      const value = await urlField.inputValue();
      return value !== hookUrl ? value : undefined;
    });
    const freshUrl = await urlField.inputValue();
    assert.equal((await callHook(hookUrl, '{"count": 1}')).status, 404);
    assert.equal((await callHook(freshUrl, '{"count": 1}')).status, 201);

    // A failure notification to a local receiver, then a failing run.
    await page.getByTestId('notifications-empty').waitFor();
    await page.getByTestId('notification-url').fill(`${receiver.url}/hooks/team`);
    assert.equal(await page.getByTestId('notification-event-failure').isChecked(), true);
    await page.getByTestId('add-notification').click();
    const row = page.getByTestId('notification-row');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /127\.0\.0\.1.*on failure.*Nothing sent yet/);

    const failing = await callHook(freshUrl, JSON.stringify({ count: 1, fail: true }));
    assert.equal(failing.status, 201);
    await until('the failure message', async () => (receiver.requests.length ? true : undefined));
    const message = JSON.parse(receiver.requests[0]!.body) as { text: string };
    assert.match(message.text, /^❌ Nightly export failed: .*export failed/);
    assert.ok(message.text.includes(`/runs/${failing.body.runId}`), message.text);
    await page
      .locator('[data-testid="notification-status"][data-status="delivered"]')
      .waitFor({ timeout: 15_000 });

    // Retention: keep this flow's runs for 7 days.
    await page.getByTestId('retention-days').fill('7');
    await page.getByTestId('save-retention').click();
    await page.getByTestId('retention-saved').waitFor();
    assert.equal((await app.api.flows.retention.get.query({ id: flow.id })).retentionDays, 7);

    mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'triggers.png') });

    // Removing the notification.
    await page.getByTestId('remove-notification').click();
    await page.getByTestId('notifications-empty').waitFor();
    assert.deepEqual(await app.api.notifications.list.query({ flowId: flow.id }), []);
    assert.deepEqual(
      app.pageErrors.map((e) => e.message),
      [],
    );
  });
});
