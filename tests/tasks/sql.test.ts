import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';
import { numberedDocuments } from '../helpers/flows';

let engine: TestEngine;
let password: string;
before(async () => {
  engine = await startTestEngine();
  password = decodeURIComponent(new URL(engine.tdb.url).password);
});
after(() => engine.close());

const flow = numberedDocuments('sql');

describe('sql against the test database itself', () => {
  test('a parameterised query feeds its rows to the next task', async () => {
    const run = await engine.waitForRun(
      await engine.run(
        flow(
          [
            {
              id: 'runs',
              type: 'sql',
              config: {
                connection: '{{ params.db }}',
                query: 'select name from flows where name like $1 order by name limit $2::int',
                params: ['{{ params.prefix }}%', 5],
              },
            },
            {
              id: 'count',
              type: 'code',
              config: { source: 'return inputs.runs.rows.map((r) => r.name);' },
            },
          ],
          [{ source: 'runs', target: 'count' }],
          {
            params: { db: { type: 'string' }, prefix: { type: 'string', default: 'sql ' } },
          },
        ),
        { db: engine.tdb.url },
      ),
    );
    assert.equal(run.state, 'completed', JSON.stringify(run.tasks.map((t) => t.error)));
    const output = taskOf(run, 'runs').output as { rowCount: number; fields: string[] };
    assert.deepEqual(output.fields, ['name']);
    assert.equal(output.rowCount, 1);
    assert.deepEqual(taskOf(run, 'count').output, ['sql 1']);
  });

  test('a bad query fails with the Postgres message, and the password is nowhere', async () => {
    const run = await engine.waitForRun(
      await engine.run(
        flow([
          {
            id: 'bad',
            type: 'sql',
            config: { connection: engine.tdb.url, query: 'selec 1' },
            retry: { retries: 2, delaySeconds: 0 },
          },
        ]),
      ),
    );
    const bad = taskOf(run, 'bad');
    assert.equal(run.state, 'failed');
    assert.equal(bad.attempts.length, 1, 'a syntax error is not retried');
    assert.match(bad.error!.message, /^query failed: syntax error at or near "selec"/);
    const logs = await engine.api.runs.logs({ runId: run.id, taskRunId: bad.id });
    for (const text of [
      bad.error!.message,
      bad.error!.stack ?? '',
      run.stateReason ?? '',
      ...logs.map((l) => l.message),
    ]) {
      assert.ok(!text.includes(password), `password in: ${text}`);
    }
  });
});
