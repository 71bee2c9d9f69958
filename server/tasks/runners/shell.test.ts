import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { overrideEnv } from '@/server/env';
import { runnerContext } from '@/tests/tasks/runner-context';
import { PermanentTaskError, TaskTimeoutError } from '../runner';
import { SHELL_DISABLED_REASON } from '../shell';
import { MAX_LOGGED_BYTES_PER_STREAM, OUTPUT_TAIL_BYTES, shellRunner } from './shell';

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'pipewright-shell-')));

before(() =>
  overrideEnv({
    PIPEWRIGHT_ALLOW_SHELL: '1',
    PIPEWRIGHT_FILES_ROOTS: root,
    DATABASE_URL: 'postgres://app:hunter2@db.internal/app',
  }),
);
after(async () => {
  overrideEnv({
    PIPEWRIGHT_ALLOW_SHELL: undefined,
    PIPEWRIGHT_FILES_ROOTS: undefined,
    DATABASE_URL: undefined,
  });
  await fs.rm(root, { recursive: true, force: true });
});

const run = async (config: Record<string, unknown>, options?: { timeoutMs?: number }) => {
  const ctx = runnerContext(config, options);
  const result = await shellRunner.run(ctx);
  assert.ok('output' in result);
  return {
    output: result.output as { exitCode: number; stdout: string; stderr: string } & Record<
      string,
      unknown
    >,
    ctx,
  };
};

/** Whether a process is alive (a zombie waiting to be reaped counts as dead). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('shell', () => {
  test('refuses to run unless the operator enabled it, whatever the catalog said', async () => {
    overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: undefined });
    try {
      await assert.rejects(
        shellRunner.run(runnerContext({ command: 'true' })),
        (err: Error) => err instanceof PermanentTaskError && err.message === SHELL_DISABLED_REASON,
      );
    } finally {
      overrideEnv({ PIPEWRIGHT_ALLOW_SHELL: '1' });
    }
  });

  test('arguments arrive exactly as given: nothing is expanded', async () => {
    await fs.writeFile(path.join(root, 'victim'), 'still here');
    const { output, ctx } = await run({
      command: 'printf',
      args: ['%s|', '$(rm -rf victim)', '*', '$HOME', 'two words', 3],
    });
    assert.equal(output.exitCode, 0);
    assert.equal(output.stdout, '$(rm -rf victim)|*|$HOME|two words|3|');
    assert.equal(await fs.readFile(path.join(root, 'victim'), 'utf8'), 'still here');
    assert.match(ctx.logText(), /^\$ printf "%s\|" "\$\(rm -rf victim\)"/);
  });

  test('stdout and stderr are logged line by line; cwd starts at the files root; env is passed', async () => {
    await fs.mkdir(path.join(root, 'work'), { recursive: true });
    const { output, ctx } = await run({
      shell: true,
      command: 'pwd; echo "greeting=$GREETING arg=$1"; echo oops >&2; printf "no newline"',
      args: ['first'],
      cwd: 'work',
      env: { GREETING: 'hello' },
    });
    // The two streams interleave as the OS delivers them; each keeps its order.
    const logged = ctx.logs.slice(1, -1).map((l) => `${l.level} ${l.message}`);
    assert.deepEqual(
      logged.filter((l) => l.startsWith('info')),
      [`info ${path.join(root, 'work')}`, 'info greeting=hello arg=first', 'info no newline'],
    );
    assert.deepEqual(
      logged.filter((l) => l.startsWith('warn')),
      ['warn oops'],
    );
    assert.equal(output.stderr, 'oops\n');
  });

  test("the worker's own settings are not passed on to commands", async () => {
    const { output } = await run({ command: 'env' });
    assert.match(output.stdout, /^PATH=/m);
    assert.doesNotMatch(output.stdout, /DATABASE_URL|hunter2|PIPEWRIGHT_/);
  });

  test('a non-zero exit fails with the code and the last stderr line', async () => {
    await assert.rejects(
      run({ shell: true, command: 'echo starting; echo "tar: dir: Cannot stat" >&2; exit 2' }),
      (err: Error) =>
        !(err instanceof PermanentTaskError) &&
        err.message === 'the shell script exited with code 2: tar: dir: Cannot stat',
    );
    await assert.rejects(run({ command: 'no-such-command-here' }), (err: Error) => {
      assert.ok(err instanceof PermanentTaskError);
      assert.match(err.message, /command "no-such-command-here" was not found/);
      return true;
    });
  });

  test('a timeout kills the whole process group, children included', async () => {
    const pidFile = path.join(root, 'child.pid');
    const started = Date.now();
    await assert.rejects(
      run({
        shell: true,
        command: `sleep 30 & echo $! > ${pidFile}; wait`,
        timeoutSeconds: 0.5,
      }),
      (err: Error) =>
        err instanceof TaskTimeoutError && /did not finish within 0\.5 s/.test(err.message),
    );
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    const child = Number(await fs.readFile(pidFile, 'utf8'));
    assert.ok(await waitUntil(() => !isAlive(child), 3000), `sleep ${child} still running`);
  });

  test('abort (cancel, or the node timeout) stops the command at once', async () => {
    const pidFile = path.join(root, 'abort.pid');
    const controller = new AbortController();
    const ctx = runnerContext(
      { shell: true, command: `echo $$ > ${pidFile}; exec sleep 30` },
      { signal: controller.signal },
    );
    const running = shellRunner.run(ctx);
    assert.ok(await waitUntil(() => readFileSync(pidFile, { flag: 'a+' }).length > 0, 2000));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(isAlive(pid));
    const reason = new Error('the run was cancelled');
    controller.abort(reason);
    await assert.rejects(running, (err) => err === reason);
    assert.ok(await waitUntil(() => !isAlive(pid), 3000), `sleep ${pid} still running`);
  });

  test('huge output: the log keeps the first 1 MiB per stream, the output the last 64 KiB', async () => {
    const bytes = MAX_LOGGED_BYTES_PER_STREAM + 500_000;
    const { output, ctx } = await run({
      shell: true,
      command: `head -c ${bytes} /dev/zero | tr '\\0' 'x' | fold -w 100; echo; echo THE-END`,
    });
    assert.equal(output.stdoutTruncated, true);
    assert.ok(output.stdout.length <= OUTPUT_TAIL_BYTES);
    assert.match(output.stdout, /THE-END\n$/);
    const logged = ctx.logs.filter((l) => l.level === 'info' && /^x+$/.test(l.message));
    const loggedBytes = logged.reduce((n, l) => n + l.message.length + 1, 0);
    // (+1: the line cut at the limit has no newline of its own)
    assert.ok(loggedBytes <= MAX_LOGGED_BYTES_PER_STREAM + 1, `${loggedBytes}`);
    assert.ok(loggedBytes > MAX_LOGGED_BYTES_PER_STREAM - 200, `${loggedBytes}`);
    assert.match(ctx.logText(), /stdout: [\d.]+ KiB more not logged/);
  });
});
