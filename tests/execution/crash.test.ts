import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { taskRuns } from '@/db/schema';
import { spawnPipewright } from '../helpers/app';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

let engine: TestEngine;
let server: TestServer;

before(async () => {
  // This process starts runs and watches; it runs no worker of its own.
  engine = await startTestEngine({ worker: false });
  // The first request hangs forever (the worker running it will be killed);
  // later ones answer at once.
  server = await startHttpServer((_req, res, _body, index) => {
    if (index > 0) json(res, 200, { served: index });
  });
});
after(async () => {
  await server.close();
  await engine.close();
});

const startWorkerProcess = () => spawnPipewright(['worker'], { DATABASE_URL: engine.tdb.url });

test('a worker killed mid-task loses nothing: the attempt is retried on another worker', async () => {
  const first = startWorkerProcess();
  let second: ReturnType<typeof startWorkerProcess> | undefined;
  try {
    const id = await engine.run({
      version: 1,
      name: 'survives a dead worker',
      nodes: [{ id: 'call', type: 'http', config: { url: `${server.url}/slow` } }],
      edges: [],
    });
    // Wait until the first worker is running the task.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [task] = await engine.tdb.db.select().from(taskRuns).where(eq(taskRuns.flowRunId, id));
      if (task?.state === 'running' && server.requests.length === 1) break;
      if (Date.now() > deadline)
        throw new Error(`the first worker never started the task:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    const killedAt = Date.now();
    second = startWorkerProcess();

    const run = await engine.waitForRun(id, 40_000);
    const call = taskOf(run, 'call');
    assert.equal(run.state, 'completed', JSON.stringify(call));
    assert.deepEqual(
      call.attempts.map((a) => [a.attempt, a.state]),
      [
        [1, 'crashed'],
        [2, 'completed'],
      ],
    );
    assert.notEqual(call.attempts[0]!.workerId, call.attempts[1]!.workerId);
    assert.deepEqual((call.output as { body: unknown }).body, { served: 1 });
    const recoveredIn = call.attempts[1]!.startedAt.getTime() - killedAt;
    assert.ok(recoveredIn < 15_000, `recovery took ${recoveredIn} ms (budget 15 s)`);
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGTERM');
  }
});
