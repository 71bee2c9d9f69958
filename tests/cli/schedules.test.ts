import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/** `pipewright schedules …` as a user runs it, in a child process. */

let tmp: string;
let tdb: TestDatabase;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pipewright-schedules-cli-'));
  tdb = await createTestDatabase();
});
after(async () => {
  await tdb.drop();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: tdb.url },
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

test('create, list, pause, resume and delete a schedule from the command line', async () => {
  const file = path.join(tmp, 'report.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      name: 'Nightly report',
      params: { n: { type: 'number', default: 1 } },
      nodes: [{ id: 'a', type: 'code', config: { source: 'return params.n;' } }],
      edges: [],
    }),
  );
  assert.equal((await cli('flows', 'import', file)).code, 0);

  const bad = await cli('schedules', 'create', 'Nightly report', '--cron', '0 25 * * *');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cron: "0 25 \* \* \*" is not a valid cron expression/);
  const badParam = await cli(
    'schedules',
    'create',
    'Nightly report',
    '--cron',
    '0 2 * * *',
    '--param',
    'n=lots',
  );
  assert.equal(badParam.code, 1);
  assert.match(badParam.stderr, /params\.n: must be a number/);

  const created = await cli(
    'schedules', 'create', 'Nightly report',
    '--cron', '0 12 * * *', '--tz', 'Europe/Madrid',
    '--param', 'n=3', '--catchup', 'skip:30', '--json',
  ); // biome-ignore format: flags read best in pairs
  assert.equal(created.code, 0, created.stderr);
  const schedule = JSON.parse(created.stdout);
  assert.equal(schedule.description, 'Every day at 12:00 (Europe/Madrid)');
  assert.deepEqual(schedule.params, { n: 3 });
  assert.equal(schedule.catchup, 'skip');
  assert.equal(schedule.catchupWindowMinutes, 30);
  assert.equal(schedule.upcoming.length, 5);

  const listed = await cli('schedules', 'list', 'Nightly report');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /Every day at 12:00 \(Europe\/Madrid\)\s+active/);

  const paused = await cli('schedules', 'pause', schedule.id);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /Paused schedule/);
  const afterPause = JSON.parse((await cli('schedules', 'list', '--json')).stdout);
  assert.equal(afterPause[0].active, false);

  const resumed = await cli('schedules', 'resume', schedule.id);
  assert.match(resumed.stdout, /Resumed schedule .*\nNext runs:\n/);

  const deleted = await cli('schedules', 'delete', schedule.id);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /Deleted schedule .* \(1 upcoming run cancelled\)/);
  assert.match((await cli('schedules', 'list')).stdout, /No schedules/);
});
