import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { overrideEnv } from '@/server/env';
import { SHELL_DISABLED_REASON } from '@/server/tasks/shell';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';

// Commands start in the first files root: a temp folder of this file's own.
const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'pipewright-shell-e2e-')));
after(async () => {
  overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: undefined, PIPEWRIGHT_FILES_ROOTS: undefined });
  await fs.rm(root, { recursive: true, force: true });
});

let counter = 0;
const flow = (nodes: unknown[], extra: Record<string, unknown> = {}) => ({
  version: 1,
  name: `shell ${++counter}`,
  nodes,
  edges: [],
  ...extra,
});
const shellNode = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'cmd',
  type: 'shell',
  config,
  ...extra,
});

function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('shell, on a server where the operator has not enabled it (the default)', () => {
  let engine: TestEngine;
  before(async () => {
    overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: undefined, PIPEWRIGHT_FILES_ROOTS: root });
    engine = await startTestEngine();
  });
  after(() => engine.close());

  test('the palette shows it disabled, with the reason', async () => {
    const shell = (await engine.api.catalog.list()).find((t) => t.type === 'shell');
    assert.equal(shell?.disabledReason, SHELL_DISABLED_REASON);
    const others = (await engine.api.catalog.list()).filter((t) => t.type !== 'shell');
    assert.ok(others.every((t) => t.disabledReason === null));
  });

  test('a document using it stays valid, but running it fails with the operator message', async () => {
    const document = flow([
      shellNode({ command: 'touch', args: ['ran'] }, { retry: { retries: 2, delaySeconds: 0 } }),
    ]);
    assert.deepEqual(await engine.api.flows.validate({ document }), { issues: [] });
    const run = await engine.waitForRun(await engine.run(document));
    assert.equal(run.state, 'failed');
    assert.equal(taskOf(run, 'cmd').error!.message, SHELL_DISABLED_REASON);
    assert.equal(taskOf(run, 'cmd').attempts.length, 1, 'not retried: retrying cannot enable it');
    await assert.rejects(fs.stat(path.join(root, 'ran')), { code: 'ENOENT' });
  });
});

describe('shell, enabled with PIPEWRIGHT_ALLOW_SHELL=1', () => {
  let engine: TestEngine;
  before(async () => {
    overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: '1', PIPEWRIGHT_FILES_ROOTS: root });
    engine = await startTestEngine();
  });
  after(() => engine.close());

  test('runs a real command; arguments (templates included) arrive literally', async () => {
    const shell = (await engine.api.catalog.list()).find((t) => t.type === 'shell');
    assert.equal(shell?.disabledReason, null);
    await fs.writeFile(path.join(root, 'keep.txt'), 'precious');
    const run = await engine.waitForRun(
      await engine.run(
        flow([shellNode({ command: 'printf', args: ['[%s]\\n', '{{ params.name }}', '*.txt'] })], {
          params: { name: { type: 'string' } },
        }),
        { name: '$(rm -f keep.txt); `rm keep.txt`' },
      ),
    );
    assert.equal(run.state, 'completed', JSON.stringify(taskOf(run, 'cmd').error));
    assert.deepEqual(taskOf(run, 'cmd').output, {
      exitCode: 0,
      stdout: '[$(rm -f keep.txt); `rm keep.txt`]\n[*.txt]\n',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
    });
    assert.equal(await fs.readFile(path.join(root, 'keep.txt'), 'utf8'), 'precious');
    const logs = await engine.api.runs.logs({ runId: run.id, taskRunId: taskOf(run, 'cmd').id });
    assert.ok(logs.some((l) => l.level === 'info' && l.message === '[*.txt]'));
  });

  test('a non-zero exit fails the task with the exit code and the last stderr line', async () => {
    const run = await engine.waitForRun(
      await engine.run(flow([shellNode({ command: 'ls', args: ['/no/such/folder'] })])),
    );
    assert.equal(run.state, 'failed');
    assert.match(
      taskOf(run, 'cmd').error!.message,
      /^ls exited with code 2: ls: cannot access '\/no\/such\/folder': No such file or directory$/,
    );
  });

  test("the node's timeout kills the process", async () => {
    const pidFile = path.join(root, 'sleeper.pid');
    const started = Date.now();
    const run = await engine.waitForRun(
      await engine.run(
        flow([
          shellNode(
            { shell: true, command: 'echo $$ > "$1"; exec sleep 30', args: [pidFile] },
            { timeoutSeconds: 1 },
          ),
        ]),
      ),
    );
    assert.equal(taskOf(run, 'cmd').state, 'timedout');
    assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms`);
    const pid = Number(await fs.readFile(pidFile, 'utf8'));
    const deadline = Date.now() + 3000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!isAlive(pid), `sleep (pid ${pid}) is still running`);
  });
});
