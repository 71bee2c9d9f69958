import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@/tests/helpers/db';
import { runnerContext } from '@/tests/tasks/runner-context';
import { PermanentTaskError, TaskTimeoutError } from '../runner';
import { connectionSecrets, redactSecrets } from './redact';
import { MAX_ROWS, sqlRunner } from './sql';

let tdb: TestDatabase;
let password: string;
before(async () => {
  tdb = await createTestDatabase();
  password = decodeURIComponent(new URL(tdb.url).password);
  assert.ok(password.length >= 8, 'the test server has a real password to leak');
});
after(() => tdb.drop());

const run = async (config: Record<string, unknown>, options?: { timeoutMs?: number }) => {
  const ctx = runnerContext({ connection: tdb.url, ...config }, options);
  const result = await sqlRunner.run(ctx);
  assert.ok('output' in result);
  return { output: result.output as Record<string, unknown>, ctx };
};

/** Runs a query expected to fail; returns the error, checked for the password. */
async function failure(config: Record<string, unknown>): Promise<Error> {
  const ctx = runnerContext({ connection: tdb.url, ...config });
  const err = await sqlRunner.run(ctx).then(
    () => assert.fail('the query should fail'),
    (e: Error) => e,
  );
  for (const text of [err.message, err.stack ?? '', ctx.logText()]) {
    assert.ok(!text.includes(password), `the password leaked: ${text}`);
  }
  return err;
}

describe('sql', () => {
  test('a parameterised query returns rows, their count and the field names', async () => {
    const { output, ctx } = await run({
      query: 'select $1::int + 1 as next, $2::text as name, $3::jsonb as doc',
      params: [41, "o'brien; drop table x", { a: [1] }],
    });
    assert.deepEqual(output, {
      rows: [{ next: 42, name: "o'brien; drop table x", doc: { a: [1] } }],
      rowCount: 1,
      fields: ['next', 'name', 'doc'],
      truncated: false,
    });
    assert.doesNotMatch(ctx.logText(), new RegExp(password));
    assert.match(ctx.logText(), /connected to 127\.0\.0\.1:\d+\/test_\w+ as \w+/);
  });

  test('statements that change data report how many rows they touched', async () => {
    await run({ query: 'create table items (id int primary key, name text)' });
    const { output } = await run({
      query: 'insert into items select g, $1 || g from generate_series(1, 3) g',
      params: ['item-'],
    });
    assert.equal(output.rowCount, 3);
    assert.deepEqual(output.rows, []);
    const read = await run({ query: 'select name from items order by id desc limit 1' });
    assert.deepEqual(read.output.rows, [{ name: 'item-3' }]);
  });

  test('rows past the cap are counted, not kept, and the output says so', async () => {
    const { output } = await run({
      query: 'select g as n from generate_series(1, $1::int) g',
      params: [MAX_ROWS + 5],
    });
    assert.equal((output.rows as unknown[]).length, MAX_ROWS);
    assert.equal(output.rowCount, MAX_ROWS + 5);
    assert.equal(output.truncated, true);
  });

  test('a bad query fails with the Postgres message, permanently, without the password', async () => {
    const err = await failure({ query: 'select * from no_such_table where id = $1', params: [1] });
    assert.ok(err instanceof PermanentTaskError);
    assert.match(
      err.message,
      /^query failed: relation "no_such_table" does not exist; .*SQLSTATE 42P01/,
    );
  });

  test('a wrong password fails without printing either password', async () => {
    const url = new URL(tdb.url);
    url.password = 'not-the-right-one';
    const err = await failure({ connection: url.toString(), query: 'select 1' });
    assert.ok(err instanceof PermanentTaskError);
    assert.match(err.message, /could not connect to .*password authentication failed/);
    assert.ok(!err.message.includes('not-the-right-one'));
  });

  test('statement_timeout stops a slow query as a timeout', async () => {
    const started = Date.now();
    const err = await failure({ query: 'select pg_sleep(10)', timeoutSeconds: 0.3 });
    assert.ok(err instanceof TaskTimeoutError, err.message);
    assert.ok(Date.now() - started < 3000);
  });

  test('abort cancels the query on the server, not just the connection', async () => {
    const controller = new AbortController();
    const marker = `pipewright-abort-${Date.now()}`;
    const ctx = runnerContext(
      { connection: tdb.url, query: `select pg_sleep(30), '${marker}'` },
      { signal: controller.signal },
    );
    const running = sqlRunner.run(ctx);
    const probe = new pg.Client({ connectionString: tdb.url });
    await probe.connect();
    try {
      const active = async () =>
        (
          await probe.query(
            `select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1`,
            [`%${marker}%`],
          )
        ).rows[0].n as number;
      for (let i = 0; i < 100 && (await active()) < 1; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await active(), 1, 'the query is running');
      const reason = new Error('the run was cancelled');
      controller.abort(reason);
      await assert.rejects(running, (err) => err === reason);
      let left = 1;
      for (let i = 0; i < 100 && left > 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        left = await active();
      }
      assert.equal(left, 0, 'the query is still running on the server');
    } finally {
      await probe.end();
    }
  });

  test('passwords are masked in every form a message may carry', () => {
    const url = 'postgres://app:p%40ss%3Aword@db:5432/app?password=other';
    const secrets = connectionSecrets(url);
    assert.equal(
      redactSecrets(`failed: ${url} (p@ss:word, other)`, secrets),
      'failed: postgres://app:***@db:5432/app?password=*** (***, ***)',
    );
  });
});
