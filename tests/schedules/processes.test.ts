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

/** `host:pid` (or `host:pid:n`) → pid. */
const pidOf = (workerId: string) => Number(/:(\d+)(?::\d+)?$/.exec(workerId)?.[1]);

async function onlinePids(): Promise<number[]> {
  return (await listWorkers(engine.tdb.db)).filter((w) => w.online).map((w) => w.pid);
}

async function completedCount(scheduleId: string): Promise<number> {
  return (await runsOfSchedule(engine.tdb.db, scheduleId)).filter((r) => r.state === 'completed')
    .length;
}

test('two worker processes fire a cron schedule exactly once per slot, across a restart', async () => {
  const { flow } = await engine.api.flows.import({ document: quickFlow() });
  const a = startWorkerProcess();
  const b = startWorkerProcess();
  await waitFor(
    'both worker processes online',
    async () => (await onlinePids()).length === 2,
    30_000,
  );
  // Every second (6-field cron): many slots in a few seconds, each raced by both schedulers.
  const schedule = await engine.api.schedules.create({
    flowId: flow.id,
    cron: '* * * * * *',
    timezone: 'UTC',
  });
  await waitFor(
    'four completed runs',
    async () => (await completedCount(schedule.id)) >= 4,
    30_000,
  );

  // Restart: one process stops (gracefully), a new one starts; the other keeps going.
  a.kill('SIGTERM');
  await new Promise((r) => (a.exitCode === null ? a.once('exit', r) : r(null)));
  const c = startWorkerProcess();
  await waitFor(
    'the new worker process online',
    async () => (await onlinePids()).includes(c.pid!),
    30_000,
  );
  // Then the other original stops too: from here only the new process fires.
  b.kill('SIGTERM');
  await new Promise((r) => (b.exitCode === null ? b.once('exit', r) : r(null)));
  assert.deepEqual(await onlinePids(), [c.pid]);
  const beforeAlone = await completedCount(schedule.id);
  await waitFor(
    'three more runs fired by the new process alone',
    async () => (await completedCount(schedule.id)) >= beforeAlone + 3,
    30_000,
  );
  await engine.api.schedules.pause({ id: schedule.id });

  const runs = await runsOfSchedule(engine.tdb.db, schedule.id);
  const fired = runs.filter((r) => r.firedAt !== null);
  const slots = fired.map((r) => r.scheduledFor!.getTime());
  assert.equal(new Set(slots).size, slots.length, 'a slot fired twice');
  assert.ok(fired.length >= 7, `${fired.length} slots fired`);
  // None missed: every second from the first fired slot to the last fired.
  const last = Math.max(...slots);
  const first = Math.min(...slots);
  assert.equal(
    fired.length,
    (last - first) / 1000 + 1,
    'a slot between the first and last was missed',
  );
  const notFired = runs.filter((r) => r.firedAt === null && r.scheduledFor!.getTime() <= last);
  assert.deepEqual(
    notFired.map((r) => [r.scheduledFor!.toISOString(), r.state, r.stateReason]),
    [],
  );

  const pids = new Set([a.pid, b.pid, c.pid]);
  const ranOn = new Set<number>();
  for (const run of fired) {
    assert.equal(run.trigger, 'schedule');
    const detail = await engine.waitForRun(run.id);
    assert.equal(detail.state, 'completed');
    // Its task ran exactly once: one attempt, on one of the worker processes.
    const attempts = detail.tasks[0]!.attempts;
    assert.equal(attempts.length, 1, `run ${run.id}: ${attempts.length} attempts`);
    const pid = pidOf(attempts[0]!.workerId!);
    assert.ok(pids.has(pid), `ran on ${attempts[0]!.workerId}`);
    ranOn.add(pid);
  }
  // The runs after both originals stopped ran on the new process.
  const lastRun = await engine.waitForRun(fired.at(-1)!.id);
  assert.equal(pidOf(lastRun.tasks[0]!.attempts[0]!.workerId!), c.pid);
  assert.ok(ranOn.has(c.pid!));
});
