import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestEngine, type TestEngine, taskOf } from '../helpers/engine';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

test('a password inside a connection string is not stored with the run', async () => {
  const password = new URL(engine.tdb.url).password;
  assert.ok(password.length > 8, 'the test database has a password');
  const run = await engine.waitForRun(
    await engine.run({
      version: 1,
      name: 'Query with credentials',
      nodes: [
        { id: 'q', type: 'sql', config: { connection: engine.tdb.url, query: 'select 1 as one' } },
      ],
      edges: [],
    }),
  );
  assert.equal(run.state, 'completed');
  const q = taskOf(run, 'q');
  assert.deepEqual((q.output as { rows: unknown[] }).rows, [{ one: 1 }]);
  const stored = JSON.stringify(q.resolvedConfig);
  assert.ok(!stored.includes(password), 'the password is not in the stored config');
  assert.match(stored, /:\*\*\*@127\.0\.0\.1/);
});
