/**
 * The CLI against a running server with an API key: `pipewright login`,
 * then `flows list`, `flows import`, `flows export`, `run` and `approve`
 * over tRPC — with a DATABASE_URL that points nowhere, so nothing reaches
 * the database directly. A revoked key is refused with a clear message.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningApp, repoRoot, startApp } from '../helpers/app';
import { inviteMember, type Session, sessionClient, signUpOwner } from '../helpers/auth';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
let app: RunningApp;
let tmp: string;
let owner: Session;
let credentials: string;

before(async () => {
  tdb = await createTestDatabase();
  app = await startApp({ DATABASE_URL: tdb.url });
  owner = await signUpOwner(app);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-login-'));
  credentials = path.join(tmp, 'config', 'credentials.json');
});

after(async () => {
  await app?.stop();
  await tdb?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}
const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The CLI as a user on another machine runs it: no usable database, only the server. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unreachable',
        PIPEWRIGHT_CREDENTIALS_FILE: credentials,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const approvalFlow = {
  version: 1,
  name: 'Ship with a sign-off',
  nodes: [
    { id: 'build', type: 'code', config: { source: 'return 21;' } },
    { id: 'signoff', type: 'approval', config: { message: 'Ship it?' } },
    { id: 'ship', type: 'code', config: { source: 'return inputs.signoff.approved ? 42 : 0;' } },
  ],
  edges: [
    { source: 'build', target: 'signoff' },
    { source: 'signoff', target: 'ship' },
  ],
};

describe('pipewright login with an API key', () => {
  let key: string;
  let keyId: string;

  test('login checks the key, then saves it privately', async () => {
    const bad = await cli([
      'login',
      '--url',
      app.url,
      '--key',
      'pw_thisKeyWasNeverIssuedByTheServer',
    ]);
    assert.notEqual(bad.code, 0, show(bad));
    assert.match(bad.stderr, /API key revoked or unknown/);
    assert.equal(existsSync(credentials), false, 'a refused key is not saved');

    const created = await sessionClient(app, owner).apiKeys.create.mutate({ name: 'laptop' });
    key = created.key;
    keyId = created.id;
    const r = await cli(['login', '--url', `${app.url}/`, '--key', key]);
    assert.equal(r.code, 0, show(r));
    assert.match(
      r.stdout,
      /Logged in to http:\/\/127\.0\.0\.1:\d+ as Olivia Owner <owner@example\.com> \(owner\)/,
    );
    assert.equal(statSync(credentials).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(credentials, 'utf8')), { url: app.url, key });
  });

  test('flows import, list and export go through the server', async () => {
    const file = path.join(tmp, 'ship.json');
    writeFileSync(file, JSON.stringify(approvalFlow));
    const imported = await cli(['flows', 'import', file]);
    assert.equal(imported.code, 0, show(imported));
    const id = /as ([0-9a-f-]{36})/.exec(imported.stdout)?.[1];
    assert.ok(id, show(imported));

    const listed = await cli(['flows', 'list', '--json']);
    assert.equal(listed.code, 0, show(listed));
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { id: string; name: string }[]).map((f) => [f.id, f.name]),
      [[id, 'Ship with a sign-off']],
    );
    const exported = await cli(['flows', 'export', id]);
    assert.equal(exported.code, 0, show(exported));
    assert.equal(JSON.parse(exported.stdout).name, 'Ship with a sign-off');

    // The server has it: the owner sees it in the API too.
    const flows = await sessionClient(app, owner).flows.list.query({});
    assert.deepEqual(
      flows.map((f) => f.name),
      ['Ship with a sign-off'],
    );
  });

  test('run follows a run on the server to the end; approve decides as the key owner', async () => {
    const file = path.join(tmp, 'ship.json');
    const running = cli(['run', file, '--json']);
    // Wait for the approval to be waiting, then approve it from another CLI call.
    const api = sessionClient(app, owner);
    let runId: string | undefined;
    for (let i = 0; i < 200 && !runId; i++) {
      const {
        runs: [run],
      } = await api.runs.list.query({ trigger: 'cli' });
      const signoff =
        run && (await api.runs.get.query({ id: run.id })).tasks.find((t) => t.nodeId === 'signoff');
      if (signoff?.state === 'running') runId = run!.id;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(runId, 'the run reached its approval');
    const approved = await cli(['approve', runId, 'signoff', '--comment', 'looks good']);
    assert.equal(approved.code, 0, show(approved));

    const r = await running;
    assert.equal(r.code, 0, show(r));
    const summary = JSON.parse(r.stdout) as {
      state: string;
      trigger: string;
      tasks: Record<string, { output: unknown }>;
    };
    assert.equal(summary.state, 'completed');
    assert.equal(summary.trigger, 'cli');
    assert.equal(summary.tasks.ship?.output, 42);
    assert.equal(
      (summary.tasks.signoff?.output as { decidedBy?: string } | undefined)?.decidedBy,
      'Olivia Owner',
    );
  });

  test('the key shows when it was last used', async () => {
    const keys = await sessionClient(app, owner).apiKeys.list.query();
    assert.ok(keys.find((k) => k.id === keyId)?.lastUsedAt instanceof Date);
  });

  test('PIPEWRIGHT_URL and PIPEWRIGHT_API_KEY work without a login', async () => {
    const viewer = await inviteMember(app, owner, 'viewer');
    const editor = await inviteMember(app, owner, 'editor');
    const { key: editorKey } = await sessionClient(app, editor).apiKeys.create.mutate({
      name: 'ci',
    });
    const r = await cli(['flows', 'list'], {
      PIPEWRIGHT_CREDENTIALS_FILE: path.join(tmp, 'none.json'),
      PIPEWRIGHT_URL: app.url,
      PIPEWRIGHT_API_KEY: editorKey,
    });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /Ship with a sign-off/);
    // Viewers have no API keys: minting one is a change, and a viewer makes none.
    await assert.rejects(
      sessionClient(app, viewer).apiKeys.create.mutate({ name: 'nope' }),
      /needs the editor role/,
    );
  });

  test('a revoked key is refused with a clear message', async () => {
    await sessionClient(app, owner).apiKeys.revoke.mutate({ id: keyId });
    for (const args of [
      ['flows', 'list'],
      ['run', path.join(tmp, 'ship.json')],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /API key revoked or unknown/);
    }
    const out = await cli(['logout']);
    assert.equal(out.code, 0, show(out));
    assert.equal(existsSync(credentials), false);
  });
});
