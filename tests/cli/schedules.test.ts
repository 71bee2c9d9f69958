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

test('an interval schedule pinned to a version; update and upcoming from the command line', async () => {
  const file = path.join(tmp, 'sync.json');
  const doc = () => ({
    version: 1,
    name: 'Hourly sync',
    params: { n: { type: 'number', default: 1 }, label: { type: 'string', default: 'x' } },
    nodes: [{ id: 'a', type: 'code', config: { source: 'return params.n;' } }],
    edges: [],
  });
  writeFileSync(file, JSON.stringify(doc()));
  const imported = await cli('flows', 'import', file);
  assert.equal(imported.code, 0, imported.stderr);
  const flowId = /as ([0-9a-f-]{36})/.exec(imported.stdout)![1]!;

  const badEvery = await cli('schedules', 'create', 'Hourly sync', '--every', 'often');
  assert.equal(badEvery.code, 1);
  assert.match(badEvery.stderr, /--every often: expected a duration such as 90s, 15m, 2h or 1d/);
  const badVersion = await cli(
    'schedules',
    'create',
    'Hourly sync',
    '--every',
    '15m',
    '--version',
    '7',
  );
  assert.equal(badVersion.code, 1);
  assert.match(badVersion.stderr, /version 7/i);

  const created = await cli(
    'schedules', 'create', flowId, '--every', '15m', '--tz', 'Europe/Madrid',
    '--version', '1', '--param', 'label=nightly', '--json',
  ); // biome-ignore format: flags read best in pairs
  assert.equal(created.code, 0, created.stderr);
  const schedule = JSON.parse(created.stdout);
  assert.equal(schedule.kind, 'interval');
  assert.equal(schedule.intervalSeconds, 900);
  assert.equal(schedule.cron, null);
  assert.equal(schedule.version, 1);
  assert.equal(schedule.description, 'Every 15 minutes');
  // Counted from midnight in the schedule's timezone: on the quarter hours.
  const times: Date[] = schedule.upcoming.map((t: string) => new Date(t));
  assert.equal(times.length, 5);
  for (const [i, t] of times.entries()) {
    assert.equal(t.getUTCMinutes() % 15, 0, t.toISOString());
    assert.equal(t.getUTCSeconds(), 0);
    if (i > 0) assert.equal(t.getTime() - times[i - 1]!.getTime(), 900_000);
  }

  // upcoming: a saved schedule, and an unsaved cron in a timezone.
  const saved = await cli('schedules', 'upcoming', schedule.id, '--count', '3', '--json');
  assert.equal(saved.code, 0, saved.stderr);
  const savedTimes = JSON.parse(saved.stdout);
  assert.equal(savedTimes.description, 'Every 15 minutes');
  assert.equal(savedTimes.times.length, 3);
  const draft = await cli('schedules', 'upcoming', '--cron', '0 12 * * *', '--tz', 'Europe/Madrid');
  assert.equal(draft.code, 0, draft.stderr);
  const lines = draft.stdout.trim().split('\n');
  assert.equal(lines[0], 'Every day at 12:00 (Europe/Madrid)');
  assert.equal(lines.length, 6);
  assert.match(lines[1]!, /12:00 CES?T\s+\(\d{4}-\d\d-\d\dT1[01]:00:00\.000Z\)/);
  const badTz = await cli('schedules', 'upcoming', '--cron', '0 12 * * *', '--tz', 'Mars/Olympus');
  assert.equal(badTz.code, 1);
  assert.match(badTz.stderr, /timezone: .*Mars\/Olympus/);
  const neither = await cli('schedules', 'upcoming');
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /Give one of: a <schedule-id>, --cron/);

  // update: errors name the flag (or the field) at fault.
  const nothing = await cli('schedules', 'update', schedule.id);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /Nothing to change: give at least one of --cron, --every/);
  const both = await cli(
    'schedules',
    'update',
    schedule.id,
    '--cron',
    '0 * * * *',
    '--every',
    '1h',
  );
  assert.equal(both.code, 1);
  assert.match(both.stderr, /either --cron .* or --every/);
  const badCron = await cli('schedules', 'update', schedule.id, '--cron', '61 * * * *');
  assert.equal(badCron.code, 1);
  assert.match(badCron.stderr, /cron: "61 \* \* \* \*" is not a valid cron expression/);
  const badParam = await cli('schedules', 'update', schedule.id, '--param', 'n=lots');
  assert.equal(badParam.code, 1);
  assert.match(badParam.stderr, /params\.n: must be a number/);
  const badLate = await cli('schedules', 'update', schedule.id, '--late-after', '1.5');
  assert.equal(badLate.code, 1);
  assert.match(badLate.stderr, /--late-after must be a positive whole number/);
  const notOne = await cli('schedules', 'update', 'nope', '--name', 'x');
  assert.equal(notOne.code, 1);
  assert.match(notOne.stderr, /"nope" is not a schedule id/);

  // Cron instead of interval, one more parameter, unpinned (the latest version at each fire).
  const rawUpdate = await cli(
    'schedules', 'update', schedule.id, '--cron', '30 6 * * 1-5',
    '--param', 'n=4', '--latest', '--catchup', 'skip:10', '--late-after', '120', '--json',
  ); // biome-ignore format: flags read best in pairs
  assert.equal(rawUpdate.code, 0, rawUpdate.stderr);
  const updated = JSON.parse(rawUpdate.stdout);
  assert.equal(updated.kind, 'cron');
  assert.equal(updated.cron, '30 6 * * 1-5');
  assert.equal(updated.intervalSeconds, null);
  assert.equal(updated.timezone, 'Europe/Madrid', 'the timezone kept its value');
  assert.deepEqual(updated.params, { label: 'nightly', n: 4 }, 'the other parameter stayed');
  assert.equal(updated.version, null);
  assert.equal(updated.catchup, 'skip');
  assert.equal(updated.catchupWindowMinutes, 10);
  assert.equal(updated.lateAfterSeconds, 120);
  assert.match(updated.description, /06:30/);

  const pinned = await cli('schedules', 'update', schedule.id, '--version', '1', '--name', 'Sync');
  assert.equal(pinned.code, 0, pinned.stderr);
  assert.match(pinned.stdout, /^Updated schedule .*\nNext runs:\n/);
  const [listed] = JSON.parse((await cli('schedules', 'list', flowId, '--json')).stdout);
  assert.equal(listed.name, 'Sync');
  assert.equal(listed.version, 1);
  assert.equal(listed.cron, '30 6 * * 1-5');
});
