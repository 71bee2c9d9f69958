/**
 * Authorisation of the route handlers outside tRPC, on the built app over
 * real HTTP:
 * - every `app/api/**\/route.ts` is found by walking the folder (so a new
 *   route is covered without editing this file) and, unless it is on the
 *   documented public list below, refuses an anonymous request (401, or 404
 *   for a token route with a token that opens nothing);
 * - a run's event stream and log download: anonymous 401; a viewer's
 *   session and an editor's API key both work; a share link opens the
 *   log of its own run only — another run's link is 404.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningApp, repoRoot, startApp } from '../helpers/app';
import { sessionClient, type Team, teamOf } from '../helpers/auth';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * Route handlers anyone may call, each with its reason. They are listed,
 * with the same reasons, in ARCHITECTURE.md (Authentication) and README.md;
 * a new entry here is a decision to make something public: review it.
 */
const PUBLIC_ROUTES: Record<string, string> = {
  '/api/auth/[...all]': 'better-auth: sign-up, sign-in and sign-out must work signed out',
  '/api/health': 'load balancers and uptime checks probe it without credentials',
  '/api/flows/[id]/badge.svg':
    'README image proxies cannot sign in; it tells only pass/fail of a flow whose id you know',
};

let tdb: TestDatabase;
let app: RunningApp;
let team: Team;
let runId: string;
let otherRunId: string;
/** A share link of `otherRunId`, and one of `runId`. */
let otherShare: string;
let ownShare: string;
let editorKey: string;

/** Every route handler file under app/api, as its URL pattern (`/api/runs/[id]/events`). */
function routePatterns(dir = path.join(repoRoot, 'app', 'api')): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...routePatterns(full));
    else if (/^route\.(ts|tsx|js)$/.test(entry)) {
      found.push(`/${path.relative(path.join(repoRoot, 'app'), dir).split(path.sep).join('/')}`);
    }
  }
  return found.sort();
}

/** A concrete URL for a pattern: ids become a real run's id, tokens random ones. */
function concrete(pattern: string): string {
  return pattern.replace(/\[(\.\.\.)?([^\]]+)\]/g, (_all, _rest, name: string) => {
    if (name === 'trpc') return 'flows.list';
    if (/id$/i.test(name)) return runId;
    return randomBytes(32).toString('base64url');
  });
}

const tokenOf = (url: string) => new URL(url).pathname.split('/').at(-1)!;

before(async () => {
  tdb = await createTestDatabase();
  app = await startApp({ DATABASE_URL: tdb.url });
  team = await teamOf(app);
  const editor = sessionClient(app, team.editor);
  const { flow } = await editor.flows.import.mutate({
    document: {
      version: 1,
      name: 'Logged',
      nodes: [
        { id: 'say', type: 'code', config: { source: 'log.info("hello from say"); return 1;' } },
      ],
      edges: [],
    },
  });
  runId = (await editor.runs.start.mutate({ flowId: flow.id })).id;
  otherRunId = (await editor.runs.start.mutate({ flowId: flow.id })).id;
  for (const id of [runId, otherRunId]) {
    const deadline = Date.now() + 60_000;
    while ((await editor.runs.get.query({ id })).state !== 'completed') {
      assert.ok(Date.now() < deadline, `run ${id} did not complete`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  otherShare = tokenOf((await editor.shares.create.mutate({ runId: otherRunId })).url);
  ownShare = tokenOf((await editor.shares.create.mutate({ runId })).url);
  editorKey = (await sessionClient(app, team.editor).apiKeys.create.mutate({ name: 'route tests' }))
    .key;
});

after(async () => {
  await app?.stop();
  await tdb?.drop();
});

describe('every route handler', () => {
  test('the walk finds the routes, the public list names real ones, and the docs list them', () => {
    const patterns = routePatterns();
    for (const known of ['/api/trpc/[trpc]', '/api/runs/[id]/events', '/api/runs/[id]/logs.txt']) {
      assert.ok(patterns.includes(known), `${known} is missing from ${patterns.join(', ')}`);
    }
    const architecture = readFileSync(path.join(repoRoot, 'ARCHITECTURE.md'), 'utf8');
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const pattern of Object.keys(PUBLIC_ROUTES)) {
      assert.ok(patterns.includes(pattern), `${pattern} is listed as public but does not exist`);
      assert.ok(architecture.includes(`\`${pattern}\``), `ARCHITECTURE.md lists ${pattern}`);
      assert.ok(readme.includes(`\`${pattern}\``), `README.md lists ${pattern}`);
    }
  });

  test('all but the public ones refuse an anonymous request (401, or 404 for a dead token)', async () => {
    const refused: string[] = [];
    const wrong: string[] = [];
    for (const pattern of routePatterns()) {
      if (pattern in PUBLIC_ROUTES) continue;
      const url = `${app.url}${concrete(pattern)}`;
      const statuses: number[] = [];
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const response = await fetch(url, {
          method,
          headers: { 'content-type': 'application/json', origin: app.url },
          body: method === 'GET' ? undefined : '{}',
        });
        await response.body?.cancel();
        statuses.push(response.status);
      }
      // 405 is a method the route does not have; at least one method must exist and refuse.
      const ok =
        statuses.every((s) => [401, 404, 405].includes(s)) && statuses.some((s) => s !== 405);
      (ok ? refused : wrong).push(`${pattern} ${statuses.join('/')}`);
    }
    assert.deepEqual(wrong, [], `refused: ${refused.join(', ')}`);
    assert.ok(refused.length >= 5, refused.join(', '));
  });

  test('the public ones answer a signed-out caller, as documented', async () => {
    assert.equal((await fetch(`${app.url}/api/health`)).status, 200);
    const flowId = (await sessionClient(app, team.viewer).flows.list.query({}))[0]!.id;
    const badge = await fetch(`${app.url}/api/flows/${flowId}/badge.svg`);
    assert.equal(badge.status, 200);
    assert.match(await badge.text(), /passing/);
    const session = await fetch(`${app.url}/api/auth/get-session`);
    assert.equal(session.status, 200);
  });
});

describe('run events and log download', () => {
  const events = () => `${app.url}/api/runs/${runId}/events`;
  const logs = (query = '') => `${app.url}/api/runs/${runId}/logs.txt${query}`;

  test('anonymous: 401 on both, with a reason and no data', async () => {
    for (const url of [events(), logs()]) {
      const response = await fetch(url);
      assert.equal(response.status, 401, url);
      const body = await response.text();
      assert.match(body, /Sign in first/);
      assert.doesNotMatch(body, /hello from say/);
    }
  });

  test('an unknown API key: 401 naming the key, not a fall-back to anonymous data', async () => {
    const headers = { authorization: `Bearer pw_${randomBytes(32).toString('base64url')}` };
    for (const url of [events(), logs()]) {
      const response = await fetch(url, { headers });
      assert.equal(response.status, 401, url);
      assert.match(await response.text(), /API key revoked or unknown/);
    }
  });

  test("a share link opens its own run's log, and another run's link is 404", async () => {
    const mine = await fetch(logs(`?share=${ownShare}`));
    assert.equal(mine.status, 200);
    assert.match(await mine.text(), /hello from say/);
    const theirs = await fetch(logs(`?share=${otherShare}`));
    assert.equal(theirs.status, 404);
    assert.doesNotMatch(await theirs.text(), /hello from say/);
  });

  for (const who of ['viewer session', 'editor API key'] as const) {
    test(`a ${who} reads both`, async () => {
      const headers: Record<string, string> =
        who === 'viewer session'
          ? { cookie: team.viewer.cookie }
          : { authorization: `Bearer ${editorKey}` };
      const log = await fetch(logs(), { headers });
      assert.equal(log.status, 200);
      assert.match(log.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await log.text(), /INFO {2}say#1 hello from say/);
      // The run is over: the stream sends its final snapshot and closes.
      const stream = await fetch(events(), { headers });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
      const text = await stream.text();
      assert.match(text, /event: snapshot/);
      assert.match(text, /"completed"/);
    });
  }
});
