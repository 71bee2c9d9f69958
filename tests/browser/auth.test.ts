/**
 * Sign-in, invites and roles in real Chromium against the production build,
 * on a fresh instance: the first visitor creates the owner account, the
 * owner invites an editor and a viewer, each accepts in a browser of their
 * own, and what each may do is what the UI offers and the API allows.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Session, sessionClient, signIn, TEST_PASSWORD } from '../helpers/auth';
import { expectCount, expectText } from '../helpers/browser';
import { type BrowserApp, startBrowserAppWithoutAccounts } from '../helpers/browser-app';
import { startHttpServer, type TestServer } from '../helpers/http-server';

let app: BrowserApp;
let attacker: TestServer;

before(async () => {
  app = await startBrowserAppWithoutAccounts({
    env: { PIPEWRIGHT_WORKER: '0' },
    contextOptions: { viewport: { width: 1280, height: 800 } },
  });
  // Another origin on the same machine: a page that tries to act with the victim's cookie.
  attacker = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Win a prize</title><p id="result">pending</p>
<script>
fetch(${JSON.stringify(`${app.url}/api/trpc/flows.create`)}, {
  method: 'POST', credentials: 'include', mode: 'cors',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ json: { name: 'Planted by another site' } }),
}).then((r) => r.status, () => 'blocked').then((s) => { document.getElementById('result').textContent = String(s); });
</script>`);
  });
});

after(async () => {
  await app?.close();
  await attacker?.close();
});

afterEach(() => app?.assertNoPageErrors());

/** A fresh browser (no cookies): a different person. */
async function freshPage(): Promise<Page> {
  return app.newPage(await app.newContext());
}

/** The session of a signed-in page, for calling the API as that person. */
async function sessionOf(page: Page, role: Session['role']): Promise<Session> {
  const cookies = await page.context().cookies(app.url);
  const token = cookies.find((c) => c.name === 'pipewright.session_token');
  assert.ok(token, 'the browser holds a session cookie');
  assert.equal(token.httpOnly, true, 'the session cookie is httpOnly');
  assert.equal(token.sameSite, 'Lax');
  return {
    name: '',
    email: '',
    password: TEST_PASSWORD,
    role,
    cookie: `${token.name}=${token.value}`,
  };
}

async function fillSignUp(page: Page, name: string, email: string) {
  await page.getByTestId('sign-up-name').fill(name);
  await page.getByTestId('sign-up-email').fill(email);
  await page.getByTestId('sign-up-password').fill(TEST_PASSWORD);
  await page.getByTestId('sign-up-submit').click();
}

const pages: { owner?: Page; editor?: Page; viewer?: Page } = {};
const invites: { editor?: string; viewer?: string } = {};

describe('accounts and roles in the browser', () => {
  test('a fresh instance leads the first visitor to create the owner account', async () => {
    const page = await freshPage();
    await page.goto(`${app.url}/`);
    await page.waitForURL(/\/sign-up$/);
    await expectText(page.getByRole('heading', { level: 1 }), 'Create the owner account');
    await fillSignUp(page, 'Olivia Owner', 'olivia@example.com');
    await page.waitForURL(`${app.url}/`);
    await expectText(page.getByTestId('user-role'), 'owner');
    await page.locator('[data-testid="flows-empty"], [data-testid="flow-row"]').first().waitFor();
    pages.owner = page;
  });

  test('the owner invites an editor and a viewer from Settings → Members', async () => {
    const page = pages.owner!;
    await page.getByTestId('user-menu').click();
    await page.getByTestId('menu-members').click();
    await page.waitForURL(/\/settings\/members$/);
    await expectCount(page.getByTestId('member-row'), 1);

    for (const role of ['editor', 'viewer'] as const) {
      await page.getByTestId('invite-role-select').selectOption(role);
      await page.getByTestId('invite-note').fill(`for the ${role}`);
      await page.getByTestId('invite-create').click();
      const link = page.getByTestId('invite-link');
      await expectText(page.getByText(new RegExp(`teammate \\(${role}\\)`)), /works once/);
      invites[role] = await link.inputValue();
      assert.match(invites[role]!, /\/invite\/pwi_[A-Za-z0-9_-]{40,}$/);
    }
    await expectCount(page.getByTestId('invite-row'), 2);
  });

  test('each accepts the invite in a browser of their own and gets the role', async () => {
    for (const [role, name] of [
      ['editor', 'Eddie Editor'],
      ['viewer', 'Vera Viewer'],
    ] as const) {
      const page = await freshPage();
      // The link says where the app is; the test talks to 127.0.0.1.
      await page.goto(`${app.url}${new URL(invites[role]!).pathname}`);
      await expectText(page.getByTestId('invite-role'), role);
      await fillSignUp(page, name, `${role}@example.com`);
      await page.waitForURL(`${app.url}/`);
      await expectText(page.getByTestId('user-role'), role);
      pages[role] = page;
    }

    const owner = pages.owner!;
    await owner.reload();
    await expectCount(owner.getByTestId('member-row'), 3);
    await expectCount(owner.locator('[data-testid="member-row"][data-role="editor"]'), 1);
    await expectCount(owner.locator('[data-testid="member-row"][data-role="viewer"]'), 1);
    await expectCount(owner.getByTestId('invite-row'), 0);

    // A used link admits nobody else.
    const late = await freshPage();
    await late.goto(`${app.url}${new URL(invites.editor!).pathname}`);
    await late.getByTestId('invite-invalid').waitFor();
  });

  test('the editor creates a flow; the viewer sees it but has no way to change or run it', async () => {
    const editor = pages.editor!;
    await editor.goto(`${app.url}/`);
    await editor.getByTestId('new-flow').first().click();
    await editor.getByTestId('new-flow-name').fill('Nightly report');
    await editor.getByTestId('new-flow-submit').click();
    await editor.waitForURL(/\/flows\/[0-9a-f-]{36}$/);
    await editor.getByTestId('flow-editor').waitFor();
    await editor.getByTestId('save-flow').waitFor();
    const flowId = editor.url().split('/').at(-1)!;

    const viewer = pages.viewer!;
    await viewer.goto(`${app.url}/`);
    await expectCount(viewer.getByTestId('flow-row'), 1);
    await expectText(viewer.getByTestId('flow-link'), 'Nightly report');
    for (const testId of ['new-flow', 'rename-flow', 'duplicate-flow', 'delete-flow']) {
      await expectCount(viewer.getByTestId(testId), 0);
    }
    await expectCount(viewer.getByTestId('export-flow'), 1);

    await viewer.getByTestId('flow-link').click();
    await viewer.waitForURL(`${app.url}/flows/${flowId}`);
    await expectText(viewer.getByTestId('flow-name'), 'Nightly report');
    for (const testId of ['flow-editor', 'run-flow', 'save-flow', 'restore-version']) {
      await expectCount(viewer.getByTestId(testId), 0);
    }
    await viewer.getByTestId('user-menu').click();
    await expectCount(viewer.getByTestId('menu-members'), 0);
    await expectCount(viewer.getByTestId('menu-api-keys'), 0);

    // The API refuses the viewer, whatever the page offers.
    const viewerApi = sessionClient(app, await sessionOf(viewer, 'viewer'));
    await assert.rejects(viewerApi.flows.delete.mutate({ id: flowId }), /needs the editor role/);
    await assert.rejects(viewerApi.runs.start.mutate({ flowId }), /needs the editor role/);
    const fromPage = await viewer.evaluate(async (id) => {
      const r = await fetch('/api/trpc/flows.delete', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: { id } }),
      });
      return r.status;
    }, flowId);
    assert.equal(fromPage, 403);
    assert.equal((await viewerApi.flows.list.query({})).length, 1, 'the viewer still reads');

    await viewer.goto(`${app.url}/settings/members`);
    await viewer.getByTestId('role-required').waitFor();
  });

  test('a signed-out visitor is sent to sign in, then back to the page they wanted', async () => {
    const page = await freshPage();
    await page.goto(`${app.url}/runs?limit=20`);
    await page.waitForURL(/\/sign-in\?next=%2Fruns%3Flimit%3D20$/);
    await page.getByTestId('sign-in-email').fill('editor@example.com');
    await page.getByTestId('sign-in-password').fill('not the password');
    await page.getByTestId('sign-in-submit').click();
    await expectText(page.getByTestId('sign-in-error'), 'Wrong email or password');
    await page.getByTestId('sign-in-password').fill(TEST_PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL(`${app.url}/runs?limit=20`);
    await expectText(page.getByTestId('user-role'), 'editor');

    await page.getByTestId('user-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(/\/sign-in$/);
    const anonymous = sessionClient(app);
    await assert.rejects(anonymous.flows.list.query({}), /Sign in first/);
  });

  test('Enter in sign-in and a click on the menu, before the page’s scripts arrive, are held and go through once they do; the password never goes in a URL', async () => {
    const page = await freshPage();
    // The scripts arrive late, as on a slow network: the form the server
    // rendered is on screen, and React does not own it yet.
    let releaseScripts = () => {};
    const scriptsHeld = new Promise<void>((resolve) => {
      releaseScripts = resolve;
    });
    await page.route('**/_next/static/chunks/*.js', async (route) => {
      await scriptsHeld;
      await route.continue();
    });
    await page.goto(`${app.url}/sign-in`, { waitUntil: 'commit' });
    await page.getByTestId('sign-in-email').fill('editor@example.com');
    await page.getByTestId('sign-in-password').fill(TEST_PASSWORD);
    // Left to itself, the browser submits the form as a GET: the password in the URL.
    const sentInUrl: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('password=')) sentInUrl.push(request.url());
    });
    await page.getByTestId('sign-in-password').press('Enter');
    assert.equal(
      await page.evaluate(() => Object.keys(document.body).some((k) => k.startsWith('__react'))),
      false,
      'Enter was pressed before React owned the page',
    );
    releaseScripts();
    await page.waitForURL((url) => url.pathname === '/' || url.search.includes('password='));
    assert.deepEqual(sentInUrl, [], 'the form was never submitted by the browser itself');
    await expectText(page.getByTestId('user-role'), 'editor');

    // A raw button of the page's chrome too: the user menu, clicked before
    // the next page's scripts arrive, opens once they do.
    let releaseAgain = () => {};
    const heldAgain = new Promise<void>((resolve) => {
      releaseAgain = resolve;
    });
    await page.unrouteAll();
    await page.route('**/_next/static/chunks/*.js', async (route) => {
      await heldAgain;
      await route.continue();
    });
    await page.goto(`${app.url}/runs`, { waitUntil: 'commit' });
    await page.getByTestId('user-menu').click();
    assert.equal(await page.getByTestId('sign-out').count(), 0, 'the menu cannot open yet');
    releaseAgain();
    await page.getByTestId('sign-out').waitFor();
  });

  test('a cross-origin POST carrying the session cookie changes nothing', async () => {
    const owner = await sessionOf(pages.owner!, 'owner');
    const create = (headers: Record<string, string>) =>
      fetch(`${app.url}/api/trpc/flows.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: owner.cookie, ...headers },
        body: JSON.stringify({ json: { name: 'Planted by another site' } }),
      });
    const attempts: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: attacker.url, 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const headers of attempts) {
      const response = await create(headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.match(await response.text(), /Cross-site request refused/);
    }
    // And from a real page on another origin, in the owner's browser.
    const page = await pages.owner!.context().newPage();
    await page.goto(`${attacker.url}/`);
    await expectText(page.locator('#result'), /^(blocked|403)$/);
    await page.close();

    const names = (await sessionClient(app, owner).flows.list.query({})).map((f) => f.name);
    assert.deepEqual(names, ['Nightly report']);
    // The same request from our own origin goes through.
    const ours = await create({ origin: app.url });
    assert.equal(ours.status, 200);
  });

  // Last: it uses up this machine's sign-in attempts on this app for a minute.
  test('sign-in is rate limited per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12 && !statuses.includes(429); i++) {
      statuses.push((await signIn(app, 'olivia@example.com', `wrong-${i}`)).status);
    }
    assert.ok(statuses.includes(429), `never limited: ${statuses.join(', ')}`);
    assert.ok(statuses.filter((s) => s === 401).length >= 5, statuses.join(', '));
    // The right password is refused too until the window passes.
    const page = await freshPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByTestId('sign-in-email').fill('olivia@example.com');
    await page.getByTestId('sign-in-password').fill(TEST_PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await expectText(page.getByTestId('sign-in-error'), /Too many attempts/);
  });
});
