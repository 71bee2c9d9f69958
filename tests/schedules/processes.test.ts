import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listWorkers } from '@/server/worker/list';
import { repoRoot } from '../helpers/app';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { quickFlow, runsOfSchedule, waitFor } from '../helpers/schedules';

/**
 * The exactly-once claim across real processes on the real clock: two
 * `pipewright worker` processes, each running its own scheduler, share one
 * database; the test process itself runs no worker and no scheduler.
 */

let engine: TestEngine;
const workers: ChildProcess[] = [];

before(async () => {
  engine = await startTestEngine({ worker: false });
});
after(async () => {
  for (const child of workers) {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await engine.close();
});

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/pipewright.mjs'), 'worker'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: engine.tdb.url },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

test('two worker processes fire a cron schedule exactly once per slot', async () => {
  const { flow } = await engine.api.flows.import({ document: quickFlow() });
  startWorkerProcess();
  startWorkerProcess();
  await waitFor(
    'both worker processes online',
    async () => (await listWorkers(engine.tdb.db)).filter((w) => w.online).length === 2,
    30_000,
  );
  // Every second (6-field cron): many slots in a few seconds, each raced by both schedulers.
  const schedule = await engine.api.schedules.create({
    flowId: flow.id,
    cron: '* * * * * *',
    timezone: 'UTC',
  });
  await waitFor(
    'six completed scheduled runs',
    async () =>
      (await runsOfSchedule(engine.tdb.db, schedule.id)).filter((r) => r.state === 'completed')
        .length >= 6,
    30_000,
  );
  await engine.api.schedules.pause({ id: schedule.id });

  const runs = await runsOfSchedule(engine.tdb.db, schedule.id);
  const fired = runs.filter((r) => r.firedAt !== null);
  const slots = fired.map((r) => r.scheduledFor!.toISOString());
  assert.equal(new Set(slots).size, slots.length, `a slot fired twice: ${slots.join(', ')}`);
  assert.ok(fired.length >= 6, `${fired.length} slots fired`);
  for (const run of fired) assert.equal(run.trigger, 'schedule');
  const firedBy = new Set(
    (await listWorkers(engine.tdb.db)).filter((w) => w.online).map((w) => w.pid),
  );
  assert.equal(firedBy.size, 2, 'two distinct processes were running the scheduler');
});
