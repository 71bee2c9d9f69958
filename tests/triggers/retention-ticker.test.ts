import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { flowRuns, runLogs } from '@/db/schema';
import { overrideEnv } from '@/server/env';
import { type RunningWorker, startWorker } from '@/server/worker';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { waitFor } from '../helpers/schedules';

/**
 * The retention cleanup as a worker runs it: the ticker started by
 * startWorker, with its days read from PIPEWRIGHT_RETENTION_DAYS on each
 * tick (not passed in by the test).
 */

const DAY = 86_400_000;
let engine: TestEngine;
let worker: RunningWorker | undefined;

before(async () => {
  overrideEnv({ PIPEWRIGHT_RETENTION_DAYS: '5' });
  // Its own worker ticks retention only after a minute: this test starts another.
  engine = await startTestEngine();
});
after(async () => {
  await worker?.stop();
  await engine.close();
});

async function finishedRun(flowId: string, endedDaysAgo: number) {
  const { id } = await engine.api.runs.start({ flowId });
  const run = await engine.waitForRun(id);
  assert.equal(run.state, 'completed');
  await engine.tdb.db
    .update(flowRuns)
    .set({ endedAt: new Date(Date.now() - endedDaysAgo * DAY) })
    .where(eq(flowRuns.id, id));
  return id;
}

const existing = async (ids: string[]) =>
  (
    await engine.tdb.db.select({ id: flowRuns.id }).from(flowRuns).where(inArray(flowRuns.id, ids))
  ).map((r) => r.id);

test('a worker deletes runs older than PIPEWRIGHT_RETENTION_DAYS on its ticks, and keeps fresh ones', async () => {
  const { flow } = await engine.api.flows.import({
    document: {
      version: 1,
      name: 'kept by the global setting',
      nodes: [{ id: 'a', type: 'code', config: { source: 'log.info("hello"); return 1;' } }],
      edges: [],
    },
  });
  const old = await finishedRun(flow.id, 8);
  const middle = await finishedRun(flow.id, 3);
  const fresh = await finishedRun(flow.id, 0.5);
  const [logged] = await engine.tdb.db
    .select({ id: runLogs.id })
    .from(runLogs)
    .where(eq(runLogs.flowRunId, old));
  assert.ok(logged, 'the expired run has log lines');

  const lines: string[] = [];
  worker = await startWorker(engine.booted.runtime, (line) => lines.push(line), {
    schedulerIntervalMs: 0,
    retentionFirstDelayMs: 50,
    retentionIntervalMs: 400,
  });

  // First tick: 5 days from the environment — the 8-day-old run goes.
  await waitFor('the first cleanup', async () => (await existing([old])).length === 0, 15_000);
  assert.deepEqual((await existing([middle, fresh])).sort(), [middle, fresh].sort());
  assert.equal(
    (await engine.tdb.db.select().from(runLogs).where(eq(runLogs.flowRunId, old))).length,
    0,
    'its logs went with it',
  );
  // The pass reports once it has finished, which can be after its deletions are visible.
  await waitFor(
    'the first cleanup to be reported',
    async () => lines.some((l) => /^retention: deleted 1 finished runs \(\d+ log lines\)/.test(l)),
    15_000,
  );

  // The setting is read again on every tick: down to 1 day, the 3-day-old run goes next.
  overrideEnv({ PIPEWRIGHT_RETENTION_DAYS: '1' });
  await waitFor('the next cleanup', async () => (await existing([middle])).length === 0, 15_000);
  assert.deepEqual(await existing([fresh]), [fresh]);
  // The tick reports after its commit: wait for that report, or it would
  // be counted below as a deletion made with retention off.
  await waitFor(
    "the next cleanup's report",
    async () => lines.filter((l) => l.startsWith('retention: deleted')).length >= 2,
    15_000,
  );

  // 0 keeps everything forever.
  overrideEnv({ PIPEWRIGHT_RETENTION_DAYS: '0' });
  await engine.tdb.db
    .update(flowRuns)
    .set({ endedAt: new Date(Date.now() - 400 * DAY) })
    .where(eq(flowRuns.id, fresh));
  const before = lines.length;
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await existing([fresh]), [fresh]);
  assert.equal(lines.slice(before).filter((l) => l.startsWith('retention: deleted')).length, 0);
});
