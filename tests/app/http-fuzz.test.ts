/**
 * Every route handler under app/api/, reached over real HTTP on the built
 * app (`pipewright start`), with generated malformed requests: paths, ids
 * and tokens (random, NUL, unicode, very long, traversal, broken
 * percent-encoding), query strings, headers (content-type lies, missing or
 * foreign Origin, garbage cookies and keys), methods and bodies (not JSON,
 * truncated, deeply nested, huge numbers, wrong types, NUL, oversized).
 *
 * Whatever is sent: never a 5xx, never a body cut off mid-stream; every 4xx
 * says what is wrong in words (a JSON `error`/`message`, or text), the
 * webhook's 400s name the field; and a refused request writes nothing (row
 * counts of every table a request could add to are compared around it).
 * Seeds are fixed (FUZZ_SEED); each property prints its seed and case count.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { appRouter } from '@/server/api/root';
import { FUZZ_SEED, hostileValue } from '../fuzz/arbitraries';
import {
  anyMethod,
  contentType,
  hostileBody,
  hostileQuery,
  hostileSegment,
  looseJson,
} from '../fuzz/http-arbitraries';
import { type RunningApp, startApp } from '../helpers/app';
import { type Session, sessionClient, TEST_PASSWORD } from '../helpers/auth';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { type RawAnswer, type RawRequest, rawRequest, reasonOf } from '../helpers/raw-http';

let tdb: TestDatabase;
let app: RunningApp;
let counts: pg.Client;
let owner: Session;
const ids = { flow: '', run: '', hook: '', share: '' };
const casesRun: Record<string, number> = {};

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
).map(([path, p]) => ({ path, type: p._def.type }));

/** Rows a request could add or remove, in one read. */
async function fingerprint(): Promise<string> {
  const tables = [
    'users',
    'sessions',
    'accounts',
    'invites',
    'api_keys',
    'flows',
    'flow_versions',
    'flow_runs',
    'flow_webhooks',
    'flow_notifications',
    'schedules',
    'run_shares',
    'secrets',
    'variables',
  ];
  const { rows } = await counts.query(
    `select ${tables.map((t) => `(select count(*) from ${t})::int as ${t}`).join(', ')}`,
  );
  return JSON.stringify(rows[0]);
}

function show(req: RawRequest): string {
  const body =
    req.body === undefined
      ? ''
      : ` body(${req.body.length}): ${JSON.stringify(String(req.body).slice(0, 200))}`;
  return `${req.method ?? 'GET'} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers ?? {})}${body}`;
}

/**
 * Sends `req` and checks what every answer must be: below 500, not cut off,
 * and a 4xx with a reason. A refused request (4xx) must leave every table
 * as it was. Returns the answer for route-specific checks.
 */
async function sendChecked(req: RawRequest, streamMs?: number): Promise<RawAnswer> {
  const before = await fingerprint();
  const answer = await rawRequest(app.port, req, streamMs);
  const where = `${show(req)} → ${answer.status} ${answer.body.slice(0, 300)}`;
  assert.ok(answer.status < 500, `5xx: ${where}`);
  assert.ok(!answer.aborted, `body cut off: ${where}`);
  if (answer.status >= 400) {
    // Node's own answer to a request line or headers over its 16 KB limit has no body; its status says it.
    if (answer.status !== 431 && req.method !== 'HEAD')
      assert.notEqual(reasonOf(answer).trim(), '', `a ${answer.status} without a reason: ${where}`);
    assert.equal(await fingerprint(), before, `a refused request wrote to the database: ${where}`);
  }
  return answer;
}

async function property<T>(
  name: string,
  seedOffset: number,
  numRuns: number,
  arb: fc.Arbitrary<T>,
  check: (v: T) => Promise<void>,
) {
  const seed = FUZZ_SEED + seedOffset;
  const started = Date.now();
  try {
    await fc.assert(fc.asyncProperty(arb, check), { seed, numRuns, endOnFailure: true });
  } catch (err) {
    console.log(`${name}: replay with FUZZ_SEED=${FUZZ_SEED} (seed ${seed})`);
    throw err;
  }
  casesRun[name] = numRuns;
  console.log(
    `${name}: ${numRuns} cases, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** A session cookie, with our Origin, with a foreign or no Origin, garbage, or nothing. */
function credentials(): fc.Arbitrary<Record<string, string>> {
  return fc.oneof<fc.Arbitrary<Record<string, string>>[]>(
    fc.constant({}),
    fc.constant({ cookie: owner.cookie, origin: app.url }),
    fc.constant({ cookie: owner.cookie }),
    fc.constant({ cookie: owner.cookie, origin: 'https://evil.example' }),
    fc.constant({ cookie: owner.cookie, 'sec-fetch-site': 'cross-site' }),
    fc.constant({ cookie: owner.cookie, origin: 'null' }),
    fc
      .string({ unit: 'grapheme-ascii' })
      .map((s) => ({ cookie: `pipewright.session_token=${encodeURIComponent(s)}` })),
    fc
      .string({ unit: 'grapheme-ascii' })
      .map((s) => ({ authorization: `Bearer pw_${encodeURIComponent(s)}` })),
    fc.constantFrom<Record<string, string>>(
      { authorization: 'Bearer' },
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: 'Bearer pw_' },
      { cookie: 'pipewright.session_token=' },
      { cookie: ';;;=;' },
    ),
  );
}

/** Mostly the owner's session, so malformed queries get past the sign-in check to the handler. */
function mostlySignedIn(): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ cookie: owner.cookie }) },
    { weight: 1, arbitrary: credentials() },
  );
}

before(async () => {
  tdb = await createTestDatabase();
  app = await startApp({ DATABASE_URL: tdb.url });
  counts = new pg.Client({ connectionString: tdb.url });
  await counts.connect();
});
after(async () => {
  await counts?.end();
  await app?.stop();
  await tdb?.drop();
  const total = Object.values(casesRun).reduce((a, b) => a + b, 0);
  console.log(
    `HTTP fuzzing: ${total} generated requests over ${Object.keys(casesRun).length} properties`,
  );
});

describe('a fresh instance over HTTP', () => {
  test('sign-ups racing for the first account: exactly one owner, the others need an invite', async () => {
    const racers = 6;
    // One source address each: the sign-up limit (10 a minute) is per client address.
    const answers = await Promise.all(
      Array.from({ length: racers }, (_, i) =>
        rawRequest(app.port, {
          method: 'POST',
          path: '/api/auth/sign-up/email',
          headers: { 'content-type': 'application/json', origin: app.url },
          body: JSON.stringify({
            name: `Racer ${i}`,
            email: `racer${i}@example.com`,
            password: TEST_PASSWORD,
          }),
          localAddress: `127.0.1.${i + 1}`,
        }),
      ),
    );
    const admitted = answers.filter((a) => a.status === 200);
    assert.equal(admitted.length, 1, answers.map((a) => `${a.status} ${a.body}`).join('\n'));
    for (const refused of answers.filter((a) => a.status !== 200)) {
      assert.equal(refused.status, 403, refused.body);
      assert.match(reasonOf(refused), /needs an invite link/);
    }
    const { rows } = await counts.query('select email, role from users');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].role, 'owner');
    const cookie = [admitted[0]!.headers['set-cookie'] ?? []]
      .flat()
      .map((line) => line.split(';')[0]!)
      .find((pair) => pair.startsWith('pipewright.session_token='));
    assert.ok(cookie, 'the owner is signed in');
    owner = { name: '', email: rows[0].email, password: TEST_PASSWORD, role: 'owner', cookie };

    // Something for the real ids to point at: a flow with parameters, its webhook, a run, a share link.
    const api = sessionClient(app, owner);
    const { flow } = await api.flows.import.mutate({
      document: {
        version: 1,
        name: 'fuzzed over HTTP',
        params: {
          count: { type: 'number', required: true },
          label: { type: 'string', default: 'none' },
        },
        nodes: [{ id: 'echo', type: 'code', config: { source: 'return params;' } }],
        edges: [],
      },
    });
    ids.flow = flow.id;
    ids.hook = (await api.flows.webhook.get.query({ flowId: flow.id })).token;
    ids.run = (await api.runs.start.mutate({ flowId: flow.id, params: { count: 1 } })).id;
    ids.share = new URL((await api.shares.create.mutate({ runId: ids.run })).url).pathname
      .split('/')
      .at(-1)!;
  });
});

describe('fuzzing every route handler over HTTP', () => {
  test('POST /api/hooks/<token>: bad bodies are 400/413 naming the field, and start no run', async () => {
    const example = { count: 3, label: 'nightly' };
    await property(
      'webhook bodies',
      10,
      400,
      fc.tuple(hostileBody(example), contentType),
      async ([body, headers]) => {
        const answer = await sendChecked({
          method: 'POST',
          path: `/api/hooks/${ids.hook}`,
          headers,
          body,
        });
        assert.ok([201, 400, 409, 413].includes(answer.status), `${answer.status} ${answer.body}`);
        if (answer.status === 400 || answer.status === 413) {
          const json = JSON.parse(answer.body) as { error?: string; field?: string };
          // The field is named (`""` for a parameter called "", which the message quotes).
          assert.equal(typeof json.field, 'string', `no field named: ${answer.body}`);
          assert.ok(json.error?.trim(), answer.body);
        }
      },
    );
  });

  test('/api/hooks/<token>: malformed tokens, any method: 404/405, no run', async () => {
    await property(
      'webhook tokens and methods',
      11,
      250,
      fc.tuple(
        fc.oneof(hostileSegment, fc.constant(ids.hook)),
        anyMethod,
        fc.oneof(fc.constant(undefined), fc.constant('{"count": 1}'), hostileBody({ count: 1 })),
      ),
      async ([token, method, body]) => {
        await sendChecked({
          method,
          path: `/api/hooks/${token}`,
          headers: { 'content-type': 'application/json' },
          body: method === 'GET' || method === 'HEAD' ? undefined : body,
        });
      },
    );
  });

  test('GET /api/flows/<id>/badge.svg: an SVG for any id (404 "not found" for the unknown)', async () => {
    await property(
      'badge ids',
      12,
      250,
      fc.tuple(
        fc.oneof(hostileSegment, fc.constant(ids.flow)),
        hostileQuery(['v', 'style']),
        anyMethod,
      ),
      async ([id, query, method]) => {
        const answer = await sendChecked({ method, path: `/api/flows/${id}/badge.svg${query}` });
        if (method === 'GET' && answer.status === 404 && id !== ids.flow)
          assert.match(String(answer.headers['content-type']), /svg|html/);
      },
    );
  });

  test('GET /api/runs/<id>/events (SSE): malformed ids and queries, any credentials', async () => {
    await property(
      'run events',
      13,
      220,
      fc.tuple(
        fc.oneof({ weight: 2, arbitrary: fc.constant(ids.run) }, hostileSegment),
        hostileQuery(['digest']),
        mostlySignedIn(),
        fc.constantFrom('GET', 'GET', 'GET', 'POST', 'HEAD', 'DELETE'),
      ),
      async ([id, query, headers, method]) => {
        await sendChecked({ method, path: `/api/runs/${id}/events${query}`, headers });
      },
    );
  });

  test('GET /api/share/<token>/events (SSE): malformed tokens and queries', async () => {
    await property(
      'share events',
      14,
      150,
      fc.tuple(
        fc.oneof(hostileSegment, fc.constant(ids.share)),
        hostileQuery(['digest']),
        credentials(),
      ),
      async ([token, query, headers]) => {
        await sendChecked({ path: `/api/share/${token}/events${query}`, headers });
      },
    );
  });

  test('GET /api/runs/<id>/logs.txt: malformed ids, levels, searches, tasks and share tokens', async () => {
    const shareParam = fc.oneof(
      fc.constant(`share=${ids.share}`),
      hostileSegment.map((s) => `share=${s}`),
    );
    await property(
      'run logs.txt',
      15,
      300,
      fc.tuple(
        fc.oneof({ weight: 3, arbitrary: fc.constant(ids.run) }, hostileSegment),
        hostileQuery(['level', 'search', 'task', 'share']),
        fc.option(shareParam),
        mostlySignedIn(),
      ),
      async ([id, query, share, headers]) => {
        const q = share ? `${query || '?'}${query.length > 1 ? '&' : ''}${share}` : query;
        await sendChecked({ path: `/api/runs/${id}/logs.txt${q}`, headers });
      },
    );
  });

  test('/api/trpc/*: unknown procedures, bad JSON, broken batches, wrong methods, huge bodies', async () => {
    const procedure = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...procedures.map((p) => p.path)) },
      hostileSegment,
      fc.constantFrom('flows.list,runs.list', 'flows.nope', 'flows', '', ',', 'flows.list,,'),
    );
    const input = fc.oneof(
      hostileValue.map((v) => looseJson({ json: v })),
      hostileValue.map(looseJson),
      hostileValue.map((v) => looseJson({ json: v, meta: { values: { '': ['Date'] } } })),
      fc.tuple(hostileValue, hostileValue).map(([v, m]) => looseJson({ json: v, meta: m })),
      hostileValue.map((v) => looseJson({ 0: { json: v }, 1: v })),
      hostileBody({ json: { id: '00000000-0000-0000-0000-000000000000' } }),
    );
    await property(
      'trpc requests',
      16,
      600,
      fc.tuple(procedure, input, fc.boolean(), anyMethod, contentType, credentials()),
      async ([proc, text, batch, method, type, auth]) => {
        const bodyless = method === 'GET' || method === 'HEAD';
        const query = [
          batch ? 'batch=1' : '',
          bodyless ? `input=${encodeURIComponent(text.slice(0, 4_000))}` : '',
        ].filter(Boolean);
        await sendChecked({
          method,
          path: `/api/trpc/${proc}${query.length ? `?${query.join('&')}` : ''}`,
          headers: { ...type, ...auth },
          body: bodyless ? undefined : text,
        });
      },
    );
  });

  test('tRPC mutations with the session cookie but a foreign or missing Origin: 403, nothing written', async () => {
    const valid: Record<string, unknown> = {
      'flows.create': { name: 'csrf' },
      'runs.start': { flowId: ids.flow, params: { count: 1 } },
      'members.invite': { role: 'owner' },
      'apiKeys.create': { name: 'stolen' },
      'variables.set': { name: 'v', value: 1 },
      'shares.create': { runId: ids.run },
      'flows.delete': { id: ids.flow },
    };
    const foreign = fc.constantFrom<Record<string, string>>(
      {},
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `${app.url}.evil.example` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: app.url },
    );
    await property(
      'trpc cross-site mutations',
      17,
      100,
      fc.tuple(fc.constantFrom(...Object.keys(valid)), foreign, contentType),
      async ([proc, headers, type]) => {
        const answer = await sendChecked({
          method: 'POST',
          path: `/api/trpc/${proc}`,
          headers: { ...type, ...headers, cookie: owner.cookie },
          body: JSON.stringify({ json: valid[proc] }),
        });
        // 415: a content type tRPC does not take (a "simple" cross-site form post) is refused too.
        assert.ok(
          [403, 415].includes(answer.status),
          `${proc} ${JSON.stringify({ ...type, ...headers })} → ${answer.status}: ${answer.body}`,
        );
      },
    );
  });

  test('/api/auth/*: sign-up and sign-in with malformed bodies and origins create nothing', async () => {
    const example = { name: 'Mallory', email: 'mallory@example.com', password: TEST_PASSWORD };
    const origin = fc.constantFrom<Record<string, string>>(
      { origin: '' },
      { origin: 'https://evil.example' },
      {},
      {},
      {},
    );
    let client = 0;
    await property(
      'auth requests',
      18,
      150,
      fc.tuple(
        fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('sign-up/email', 'sign-in/email') },
          fc.constantFrom('sign-out', 'get-session', 'update-user', 'change-password', 'ok'),
          hostileSegment,
        ),
        hostileBody(example),
        contentType,
        origin,
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT'),
      ),
      async ([path, body, type, originHeader, method]) => {
        // Each case from its own loopback address, so the limit of 10 sign-ins a minute
        // lets the body reach the handler (the limit itself is checked below).
        client++;
        await sendChecked({
          method,
          path: `/api/auth/${path}`,
          headers: { origin: app.url, ...type, ...originHeader },
          body: method === 'GET' ? undefined : body,
          localAddress: `127.0.${2 + Math.floor(client / 250)}.${(client % 250) + 1}`,
        });
      },
    );
  });

  test('/api/health and unknown /api paths: no 5xx, whatever the method, query or headers', async () => {
    await property(
      'health and unknown paths',
      19,
      200,
      fc.tuple(
        fc.oneof(
          fc.constant('health'),
          fc.array(hostileSegment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
        ),
        hostileQuery(['a']),
        anyMethod,
        contentType,
        fc.option(fc.string()),
      ),
      async ([path, query, method, type, body]) => {
        await sendChecked({
          method,
          path: `/api/${path}${query}`,
          headers: type,
          body: method === 'GET' || method === 'HEAD' ? undefined : (body ?? undefined),
        });
      },
    );
  });
});

describe('what the HTTP fuzzing found (regressions)', () => {
  const send = (req: RawRequest) => rawRequest(app.port, req);

  test('a path with a broken percent-encoding is a 400 saying so, not a 500', async () => {
    for (const path of [
      '/api/hooks/%C0%AE%C0%AE',
      '/api/share/%ED%A0%80/events',
      '/api/flows/%ZZ/badge.svg',
      '/runs/%E0%A4%A',
    ]) {
      const answer = await send({ path });
      assert.equal(answer.status, 400, `${path}: ${answer.body}`);
      assert.match(answer.body, /malformed.*"%"/, path);
    }
  });

  test('a method Next.js does not route is a 405 listing those it does, not a 500', async () => {
    for (const method of ['TRACE', 'PROPFIND']) {
      const answer = await send({ method, path: '/api/health' });
      assert.equal(answer.status, 405, `${method}: ${answer.body}`);
      assert.match(answer.body, new RegExp(`${method} is not supported`));
      assert.match(String(answer.headers.allow), /GET/);
    }
  });

  test('a method a route does not take is a 405 naming the ones it does', async () => {
    const health = await send({ method: 'DELETE', path: '/api/health' });
    assert.equal(health.status, 405);
    assert.equal(health.headers.allow, 'GET');
    assert.match(reasonOf(health), /takes GET only/);
    const auth = await send({ method: 'PUT', path: '/api/auth/sign-in/email' });
    assert.equal(auth.status, 405);
    assert.match(reasonOf(auth), /takes GET, POST only/);
    // tRPC answers other methods itself, in its error format (415 before 405: it checks the type first).
    const trpc = await send({ method: 'PUT', path: '/api/trpc/flows.list' });
    assert.ok([405, 415].includes(trpc.status), `${trpc.status} ${trpc.body}`);
    assert.notEqual(reasonOf(trpc), '');
  });

  test('an auth endpoint that does not exist is a 404 saying so', async () => {
    const answer = await send({ method: 'POST', path: '/api/auth/no-such-thing', body: '{}' });
    assert.equal(answer.status, 404);
    assert.match(reasonOf(answer), /No such sign-in endpoint: \/api\/auth\/no-such-thing/);
  });

  test('logs.txt with a NUL in ?search= is a 400 naming search, not a cut-off download', async () => {
    const answer = await send({
      path: `/api/runs/${ids.run}/logs.txt?search=a%00b`,
      headers: { cookie: owner.cookie },
    });
    assert.equal(answer.status, 400, answer.body);
    assert.match(answer.body, /"search" contains a NUL character/);
  });
});
