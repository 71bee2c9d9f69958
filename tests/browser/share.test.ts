/**
 * Share links in real Chromium against the production build and its
 * in-process worker: a teammate mints a link from the run page; opened in a
 * fresh browser context (no cookies, nothing shared) it shows the run, live,
 * with no action buttons and no links into the app; revoked or expired it
 * is an HTTP 404 — the page, the event stream and the tRPC reads.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { runShares } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import type { Session } from '../helpers/auth';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let app: OwnerBrowserApp;
let hooks: TestServer;

/** What a link holder must never see: every action and the app's own navigation. */
const TEAM_ONLY = [
  'cancel-run',
  'retry-run',
  'run-again',
  'rerun-from-node',
  'share-run',
  'run-flow-link',
  'cached-from-link',
];

before(async () => {
  hooks = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
  app = await startBrowserApp();
});

after(async () => {
  await app?.close();
  await hooks?.close();
});

afterEach(() => app?.assertNoPageErrors());

/** A brand-new browser context: no cookies, storage or cache from any other page. */
async function freshPage(as?: Session): Promise<Page> {
  return app.newPage(await app.newContext(as));
}

const runState = (page: Page, state: string, timeout = 20_000) =>
  page.locator(`[data-testid="run-page"][data-run-state="${state}"]`).waitFor({ timeout });

const tokenOf = (url: string) => new URL(url).pathname.split('/').at(-1)!;

async function assertReadOnly(page: Page) {
  for (const testId of TEAM_ONLY)
    assert.equal(await page.getByTestId(testId).count(), 0, `no ${testId} on a shared page`);
  // Not one link into the app (no navigation bar, no flow, no other runs).
  const links = await page
    .locator('a[href]')
    .evaluateAll((as) =>
      (as as HTMLAnchorElement[])
        .filter((a) => new URL(a.href).origin === window.location.origin)
        .map((a) => a.outerHTML),
    );
  assert.deepEqual(links, [], 'no links into the app on a shared page');
}

describe('share links', () => {
  test('minted on the run page, opened elsewhere read-only; revoked, a 404', async () => {
    const id = await app.startRun({
      version: 1,
      name: 'Nightly export',
      nodes: [
        {
          id: 'count',
          type: 'code',
          position: { x: 0, y: 0 },
          config: { source: 'log.info("counted rows"); return 42;' },
        },
        {
          id: 'notify',
          type: 'http',
          position: { x: 300, y: 0 },
          config: { method: 'GET', url: `${hooks.url}/done` },
        },
      ],
      edges: [{ source: 'count', target: 'notify' }],
    } as FlowDocument);
    assert.equal((await app.waitForRunEnd(id, 60_000)).state, 'completed');

    // A teammate's page: actions exist there (so their absence below means something).
    const team = await freshPage(app.owner);
    await team.goto(`${app.url}/runs/${id}`);
    await runState(team, 'completed');
    assert.equal(await team.getByTestId('run-again').count(), 1);
    await team.getByTestId('share-run').click();
    await team.getByTestId('share-links-empty').waitFor();
    await team.getByTestId('share-expiry').selectOption('168');
    await team.getByTestId('create-share').click();
    const url = await team.getByTestId('share-url').inputValue();
    assert.match(url, new RegExp(`^${app.url}/share/[A-Za-z0-9_-]{43}$`));
    await team.locator('[data-testid="share-link"]').first().waitFor();
    assert.equal(await team.getByTestId('share-link').count(), 1);
    assert.match((await team.getByTestId('share-link').textContent()) ?? '', /expires in 7 days/);

    // Someone else, fresh browser: the run, its tasks' states, output and logs — nothing to press.
    const guest = await freshPage();
    const response = await guest.goto(url);
    assert.equal(response?.status(), 200);
    await runState(guest, 'completed');
    await guest.getByTestId('shared-run-banner').waitFor();
    assert.equal(await guest.getByTestId('run-page').getAttribute('data-run-id'), id);
    for (const node of ['count', 'notify'])
      await guest.locator(`.react-flow__node[data-id="${node}"][data-state="completed"]`).waitFor();
    assert.match((await guest.getByTestId('run-flow-name').textContent()) ?? '', /Nightly export/);
    // The version is plain text here (no way into the editor); who started
    // the run is shown, as on the team page: it is no secret.
    assert.equal(await guest.getByTestId('run-flow-version').textContent(), 'v1');
    assert.equal(await guest.getByTestId('run-flow-version').getAttribute('href'), null);
    assert.match((await guest.getByTestId('run-started-by').textContent()) ?? '', /Olivia Owner/);
    await guest.locator('.react-flow__node[data-id="count"]').click();
    await guest.getByTestId('task-panel').waitFor();
    assert.match((await guest.getByTestId('task-output').textContent()) ?? '', /42/);
    await guest.getByTestId('task-logs').getByText('counted rows').waitFor();
    await assertReadOnly(guest);
    await guest.getByTestId('tab-logs').click();
    await guest.getByTestId('run-log-lines').getByText('counted rows').waitFor();
    await guest.getByTestId('tab-timeline').click();
    await assertReadOnly(guest);

    // Revoked from the team page: gone for everyone, everywhere.
    await team.getByTestId('revoke-share').click();
    await team.getByTestId('share-links-empty').waitFor();
    assert.equal(await team.getByTestId('share-url').count(), 0, 'the revoked URL is cleared');
    const again = await freshPage();
    const gone = await again.goto(url);
    assert.equal(gone?.status(), 404);
    await again.getByTestId('share-not-found').waitFor();
    await assertReadOnly(again);
    const events = await fetch(`${app.url}/api/share/${tokenOf(url)}/events`);
    assert.equal(events.status, 404);
    await events.body?.cancel();
    await assert.rejects(app.api.runs.get.query({ id, share: tokenOf(url) }), /share link/);
  });

  test('a shared page follows a live run to its end, still without actions', async () => {
    // An approval waits until it is decided, however slow the machine: the
    // page is seen waiting, then follows the decision made elsewhere.
    const id = await app.startRun({
      version: 1,
      name: 'Gated release',
      nodes: [
        { id: 'gate', type: 'approval', position: { x: 0, y: 0 }, config: { message: 'Ship?' } },
        {
          id: 'ship',
          type: 'code',
          position: { x: 300, y: 0 },
          config: { source: 'return "shipped";' },
        },
      ],
      edges: [{ source: 'gate', target: 'ship' }],
    } as FlowDocument);
    const { url } = await app.api.shares.create.mutate({ runId: id });
    const guest = await freshPage();
    await guest.goto(url);
    await guest.locator('.react-flow__node[data-id="gate"][data-state="running"]').waitFor();
    await runState(guest, 'running');
    assert.equal(await guest.getByTestId('cancel-run').count(), 0);
    // The page says why the run waits; the banner arrives after the canvas
    // and moves it down, so the click waits for it (or it could land on the pane).
    await guest.getByTestId('waiting-reason').waitFor();
    assert.match(
      (await guest.getByTestId('waiting-reason').textContent()) ?? '',
      /Waiting for approval: Ship\?/,
    );
    await guest.locator('.react-flow__node[data-id="gate"]').click();
    await guest.getByTestId('task-panel').waitFor();
    await assertReadOnly(guest);

    const gate = (await app.api.runs.get.query({ id })).tasks.find((t) => t.nodeId === 'gate')!;
    await app.api.runs.decide.mutate({ taskRunId: gate.id, decision: 'approve' });
    await runState(guest, 'completed');
    await guest.locator('.react-flow__node[data-id="ship"][data-state="completed"]').waitFor();
    await assertReadOnly(guest);
  });

  test('a page open when its link is revoked says the link ended', async () => {
    const id = await app.startRun({
      version: 1,
      name: 'Watched wait',
      nodes: [{ id: 'wait', type: 'delay', position: { x: 0, y: 0 }, config: { seconds: 600 } }],
      edges: [],
    } as FlowDocument);
    const { id: shareId, url } = await app.api.shares.create.mutate({ runId: id });
    const guest = await freshPage();
    await guest.goto(url);
    await guest.locator('.react-flow__node[data-id="wait"][data-state="running"]').waitFor();
    await runState(guest, 'running');
    assert.equal(await guest.getByTestId('share-link-ended').count(), 0, 'not while it works');
    await app.api.shares.revoke.mutate({ id: shareId });
    // The page's own reads now answer 404: it says so, keeping what it showed.
    await guest.getByTestId('share-link-ended').waitFor();
    assert.match(
      (await guest.getByTestId('share-link-ended').textContent()) ?? '',
      /revoked or has expired/,
    );
    assert.equal(await guest.getByTestId('run-page').getAttribute('data-run-state'), 'running');
    await assertReadOnly(guest);
    await app.api.runs.cancel.mutate({ id });
  });

  test('an open event stream ends when its link is revoked; an expired link is a 404', async () => {
    const id = await app.startRun({
      version: 1,
      name: 'Long wait',
      nodes: [{ id: 'wait', type: 'delay', position: { x: 0, y: 0 }, config: { seconds: 600 } }],
      edges: [],
    } as FlowDocument);
    const live = await app.api.shares.create.mutate({ runId: id });
    const stream = await fetch(`${app.url}/api/share/${tokenOf(live.url)}/events`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: snapshot')) {
      const { done, value } = await reader.read();
      assert.ok(!done, 'a snapshot before the stream ends');
      text += decoder.decode(value, { stream: true });
    }
    assert.ok(text.includes(id), 'the snapshot is the shared run');

    const revokedAt = Date.now();
    await app.api.shares.revoke.mutate({ id: live.id });
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      assert.ok(Date.now() - revokedAt < 10_000, 'the stream ends within seconds of the revoke');
    }

    // Expired: the page and the stream are 404s (the run is still going).
    const expiring = await app.api.shares.create.mutate({ runId: id, expiresInHours: 1 });
    await app.tdb.db
      .update(runShares)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(runShares.id, expiring.id));
    const page = await freshPage();
    assert.equal((await page.goto(expiring.url))?.status(), 404);
    const events = await fetch(`${app.url}/api/share/${tokenOf(expiring.url)}/events`);
    assert.equal(events.status, 404);
    await events.body?.cancel();
    await app.api.runs.cancel.mutate({ id });
  });
});
