/**
 * Secrets and variables at run time, on the real engine: resolved on the
 * worker just before a task runs, sent where the flow says, and stored
 * nowhere — not in the resolved config, outputs, logs, errors or
 * transitions (checked on the raw rows). Shell commands are enabled here,
 * so a command that prints a secret shows the log path too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { runLogs } from '@/db/schema';
import { overrideEnv } from '@/server/env';
import { AttemptLog } from '@/server/execution/logs';
import { runLogTextStream } from '@/server/runs/log-text';
import { SECRET_MASK, SecretRedactor } from '@/server/secrets/redactor';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { numberedDocuments } from '../helpers/flows';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';
import { leakForms, leaksIn, storedRunText } from './leak-check';

let engine: TestEngine;
let receiver: TestServer;
const received: { path: string; authorization?: string; key?: string; body: string }[] = [];
const token = `tok-${randomBytes(16).toString('hex')}`;
// Shell commands start in the first files root: a temp folder of this file's own.
const filesRoot = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'pipewright-secrets-shell-')));

before(async () => {
  overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: '1', PIPEWRIGHT_FILES_ROOTS: filesRoot });
  receiver = await startHttpServer((req, res, body) => {
    received.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      key: req.headers['x-key'] as string | undefined,
      body,
    });
    // Echoes what it got, the way many APIs repeat a request back.
    const echo = { authorization: req.headers.authorization, body };
    if (req.url?.startsWith('/fail')) return json(res, 401, { error: 'bad token', ...echo });
    return json(res, 200, echo);
  });
  engine = await startTestEngine();
  await engine.api.secrets.set({ name: 'API_TOKEN', value: token });
  await engine.api.variables.set({ name: 'base', value: receiver.url });
  await engine.api.variables.set({ name: 'settings', value: { region: 'eu-west', retries: 2 } });
});
after(async () => {
  await engine.close();
  await receiver.close();
  overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: undefined, PIPEWRIGHT_FILES_ROOTS: undefined });
  rmSync(filesRoot, { recursive: true, force: true });
});

/** The run's log as the logs.txt download serves it. */
async function logDownload(runId: string): Promise<string> {
  return new Response(runLogTextStream(engine.tdb.db, { runId })).text();
}

const flow = numberedDocuments('secrets');

async function assertNoLeak(runId: string, secret: string) {
  const stored = await storedRunText(engine.tdb.db, runId);
  assert.deepEqual(leaksIn(stored, leakForms(secret)), [], 'the secret is in no stored row');
  const api = JSON.stringify([
    await engine.api.runs.get({ id: runId }),
    await engine.api.runs.logs({ runId }),
  ]);
  assert.deepEqual(leaksIn(api, leakForms(secret)), [], 'the secret is in no API answer');
}

describe('secrets and variables in a run', () => {
  test('an http node sends the real secret; the run stores only the mask', async () => {
    const runId = await engine.run(
      flow(
        [
          {
            id: 'call',
            type: 'http',
            config: {
              method: 'POST',
              url: '{{ vars.base }}/echo?region={{ vars.settings.region }}',
              headers: { Authorization: 'Bearer {{ secrets.API_TOKEN }}' },
              body: { token: '{{ secrets.API_TOKEN }}', retries: '{{ vars.settings.retries }}' },
            },
          },
          {
            id: 'inspect',
            type: 'code',
            config: {
              source:
                'log.info("got " + JSON.stringify(inputs.call.body)); return inputs.call.body.authorization;',
            },
          },
        ],
        [{ source: 'call', target: 'inspect' }],
      ),
    );
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'completed', JSON.stringify(run.tasks.map((t) => t.stateReason)));

    const request = received.find((r) => r.path === '/echo?region=eu-west');
    assert.ok(request, 'the receiver was called with the variable in the URL');
    assert.equal(request.authorization, `Bearer ${token}`);
    assert.deepEqual(JSON.parse(request.body), { token, retries: 2 });

    const call = taskOf(run, 'call');
    assert.deepEqual(call.resolvedConfig, {
      method: 'POST',
      url: `${receiver.url}/echo?region=eu-west`,
      headers: { Authorization: `Bearer ${SECRET_MASK}` },
      body: { token: SECRET_MASK, retries: 2 },
    });
    const output = call.output as { body: { authorization: string; body: string } };
    assert.equal(output.body.authorization, `Bearer ${SECRET_MASK}`);
    assert.ok(output.body.body.includes(SECRET_MASK));
    assert.equal(taskOf(run, 'inspect').output, `Bearer ${SECRET_MASK}`);
    await assertNoLeak(runId, token);
  });

  test('an error that echoes the secret is stored masked', async () => {
    const runId = await engine.run(
      flow([
        {
          id: 'denied',
          type: 'http',
          config: {
            url: '{{ vars.base }}/fail',
            headers: { Authorization: 'Bearer {{ secrets.API_TOKEN }}' },
          },
        },
      ]),
    );
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'failed');
    const denied = taskOf(run, 'denied');
    assert.match(denied.error?.message ?? '', /answered 401/);
    assert.ok(denied.error?.message.includes(`Bearer ${SECRET_MASK}`), denied.error?.message);
    await assertNoLeak(runId, token);
  });

  test('each for-each item resolves the secret at its own claim and stores the mask', async () => {
    const runId = await engine.run(
      flow([
        {
          id: 'each',
          type: 'for-each',
          config: {
            items: ['a', 'b'],
            task: {
              type: 'http',
              config: {
                url: '{{ vars.base }}/item/{{ item }}',
                headers: { Authorization: 'Bearer {{ secrets.API_TOKEN }}' },
              },
            },
          },
        },
      ]),
    );
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'completed', JSON.stringify(run.tasks.map((t) => t.stateReason)));
    const items = received.filter((r) => r.path.startsWith('/item/'));
    assert.deepEqual(items.map((r) => [r.path, r.authorization]).sort(), [
      ['/item/a', `Bearer ${token}`],
      ['/item/b', `Bearer ${token}`],
    ]);
    await assertNoLeak(runId, token);
  });

  test('a bare {{ vars }} reads every variable', async () => {
    const run = await engine.waitForRun(
      await engine.run(
        flow([
          {
            id: 'all',
            type: 'http',
            config: { method: 'POST', url: '{{ vars.base }}/all', body: '{{ vars }}' },
          },
        ]),
      ),
    );
    assert.equal(run.state, 'completed');
    const sent = JSON.parse(received.find((r) => r.path === '/all')?.body ?? '{}');
    assert.deepEqual(sent.settings, { region: 'eu-west', retries: 2 });
    assert.equal(sent.base, receiver.url);
  });

  test('an unknown secret or variable fails the task naming it, the node and the field', async () => {
    const run = await engine.waitForRun(
      await engine.run(
        flow([
          {
            id: 'nope',
            type: 'http',
            config: { url: 'http://127.0.0.1:1/', headers: { 'X-Key': '{{ secrets.MISSING }}' } },
          },
          { id: 'novar', type: 'http', config: { url: '{{ vars.nowhere }}/x' } },
        ]),
      ),
    );
    assert.equal(run.state, 'failed');
    assert.equal(
      taskOf(run, 'nope').stateReason,
      'unknown secret "MISSING" (node "nope", field headers.X-Key)',
    );
    assert.equal(
      taskOf(run, 'novar').stateReason,
      'unknown variable "nowhere" (node "novar", field url)',
    );
  });

  test('a secret is read when the task runs: a new value applies to the next run', async () => {
    const second = `tok2-${randomBytes(8).toString('hex')}`;
    await engine.api.secrets.set({ name: 'ROTATING', value: 'first-value-123' });
    const doc = flow([
      {
        id: 'call',
        type: 'http',
        config: { url: '{{ vars.base }}/rotate', headers: { 'X-Key': '{{ secrets.ROTATING }}' } },
      },
    ]);
    const { flow: saved } = await engine.api.flows.import({ document: doc });
    await engine.waitForRun((await engine.api.runs.start({ flowId: saved.id })).id);
    await engine.api.secrets.set({ name: 'ROTATING', value: second });
    const runId = (await engine.api.runs.start({ flowId: saved.id })).id;
    assert.equal((await engine.waitForRun(runId)).state, 'completed');
    assert.deepEqual(
      received.filter((r) => r.path === '/rotate').map((r) => r.key),
      ['first-value-123', second],
    );
    await assertNoLeak(runId, second);
  });

  test('a secret altered in the database fails the task, saying so', async () => {
    await engine.api.secrets.set({ name: 'TAMPERED', value: 'will-be-damaged' });
    // Its first byte flipped: one in 256 ciphertexts began with the zero
    // byte the test once wrote there, and that run saw no tampering.
    await engine.tdb.db.execute(
      sql`update secrets set ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 255) where name = 'TAMPERED'`,
    );
    const run = await engine.waitForRun(
      await engine.run(
        flow([
          { id: 'use', type: 'http', config: { url: '{{ vars.base }}/{{ secrets.TAMPERED }}' } },
        ]),
      ),
    );
    assert.equal(run.state, 'failed');
    assert.match(
      taskOf(run, 'use').stateReason ?? '',
      /secret "TAMPERED" failed its integrity check/,
    );
  });
});

describe('logs', () => {
  test('a shell command printing a secret (as is, on stderr, base64) logs only the mask', async () => {
    const runId = await engine.run(
      flow(
        [
          {
            id: 'sh',
            type: 'shell',
            config: {
              shell: true,
              command:
                'echo "token is $1"; echo "from env: $TOKEN" >&2; printf %s "$TOKEN" | base64',
              args: ['{{ secrets.API_TOKEN }}'],
              env: { TOKEN: '{{ secrets.API_TOKEN }}' },
            },
          },
          {
            // Code nodes never see a secret (their source is not templated);
            // what reaches them from upstream is already masked.
            id: 'after',
            type: 'code',
            config: { source: 'log.info("upstream said: " + inputs.sh.stdout); return 1;' },
          },
        ],
        [{ source: 'sh', target: 'after' }],
      ),
    );
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'completed', JSON.stringify(run.tasks.map((t) => t.error)));
    const output = taskOf(run, 'sh').output as { stdout: string; stderr: string };
    assert.equal(output.stdout, `token is ${SECRET_MASK}\n${SECRET_MASK}\n`);
    assert.equal(output.stderr, `from env: ${SECRET_MASK}\n`);

    const rows = await engine.tdb.db
      .select({ message: runLogs.message })
      .from(runLogs)
      .where(eq(runLogs.flowRunId, runId));
    const messages = rows.map((r) => r.message);
    for (const line of [`token is ${SECRET_MASK}`, `from env: ${SECRET_MASK}`, SECRET_MASK]) {
      assert.ok(messages.includes(line), `"${line}" in ${JSON.stringify(messages)}`);
    }
    assert.ok(
      messages.some((m) => m.startsWith('upstream said: token is ••••')),
      JSON.stringify(messages),
    );
    const download = await logDownload(runId);
    assert.match(download, /token is ••••/);
    assert.match(download, /from env: ••••/);
    assert.deepEqual(leaksIn(download, leakForms(token)), [], 'not in the logs.txt download');
    await assertNoLeak(runId, token);
  });

  test('AttemptLog masks a secret in every line, before the 8,000-character cut', async () => {
    const runId = await engine.run(
      flow([{ id: 'quiet', type: 'code', config: { source: 'return 1;' } }]),
    );
    const run = await engine.waitForRun(runId);
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const log = new AttemptLog(
      engine.tdb.db,
      { flowRunId: runId, taskRunId: taskOf(run, 'quiet').id, attempt: 1 },
      100,
      new SecretRedactor([secret]),
    );
    log.write('info', `plain ${secret}`);
    log.write('warn', `url ?t=${encodeURIComponent(secret)}`);
    log.write('error', `basic ${Buffer.from(`me:${secret}`).toString('base64')}`);
    // Unmasked, the secret would straddle the cut and half of it survive.
    log.write('info', `${'x'.repeat(7_990)}${secret}`);
    await log.settle();
    await engine.tdb.db.transaction((tx) => log.finish(tx));

    const rows = await engine.tdb.db
      .select({ message: runLogs.message })
      .from(runLogs)
      .where(eq(runLogs.flowRunId, runId));
    const written = rows.map((r) => r.message);
    assert.ok(written.includes(`plain ${SECRET_MASK}`), JSON.stringify(written));
    assert.ok(written.includes(`url ?t=${SECRET_MASK}`), JSON.stringify(written));
    assert.ok(written.some((m) => m.startsWith('basic ') && m.includes(SECRET_MASK)));
    assert.ok(written.some((m) => m.startsWith('xxxx') && m.endsWith(SECRET_MASK)));
    const text = written.join('\n');
    assert.deepEqual(leaksIn(text, leakForms(secret)), []);
    assert.ok(!text.includes(secret.slice(0, 10)), 'no part of it either');
  });
});

describe('the sql task with its connection string in a secret', () => {
  test('connects and queries; the stored config shows only the mask', async () => {
    await engine.api.secrets.set({ name: 'DB_URL', value: engine.tdb.url });
    const runId = await engine.run(
      flow([
        {
          id: 'q',
          type: 'sql',
          config: { connection: '{{ secrets.DB_URL }}', query: 'select 41 + 1 as answer' },
        },
      ]),
    );
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'completed', taskOf(run, 'q').stateReason ?? '');
    assert.deepEqual((taskOf(run, 'q').output as { rows: unknown[] }).rows, [{ answer: 42 }]);
    assert.equal(
      (taskOf(run, 'q').resolvedConfig as { connection: string }).connection,
      SECRET_MASK,
    );
    await assertNoLeak(runId, engine.tdb.url);
  });

  test('a failing connection does not leak the URL or its password', async () => {
    const url = new URL(engine.tdb.url);
    const wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;
    url.password = wrongPassword;
    const badPassword = url.toString();
    const badDatabase = new URL(engine.tdb.url);
    badDatabase.pathname = '/no_such_database_here';
    await engine.api.secrets.set({ name: 'BAD_PASSWORD_URL', value: badPassword });
    await engine.api.secrets.set({ name: 'BAD_DATABASE_URL', value: badDatabase.toString() });
    const runId = await engine.run(
      flow([
        {
          id: 'password',
          type: 'sql',
          config: { connection: '{{ secrets.BAD_PASSWORD_URL }}', query: 'select 1' },
        },
        {
          id: 'database',
          type: 'sql',
          config: { connection: '{{ secrets.BAD_DATABASE_URL }}', query: 'select 1' },
        },
      ]),
    );
    const run = await engine.waitForRun(runId);
    assert.equal(run.state, 'failed');
    assert.match(taskOf(run, 'password').stateReason ?? '', /could not connect/);
    assert.match(
      taskOf(run, 'database').stateReason ?? '',
      /no_such_database_here|could not connect/,
    );
    for (const secret of [badPassword, wrongPassword, badDatabase.toString(), url.password]) {
      await assertNoLeak(runId, secret);
    }
    const realPassword = decodeURIComponent(new URL(engine.tdb.url).password);
    await assertNoLeak(runId, realPassword);
  });
});
