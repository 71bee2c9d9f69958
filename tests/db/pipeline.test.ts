import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { inTransaction, queryPrepared, sendWithCommit } from '@/db/client';
import { pipeline } from '@/db/pipeline';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * Statements sent in one round trip (db/pipeline.ts), and the two places
 * the engine uses them: statements sent with BEGIN and with COMMIT
 * (db/client.ts). What must hold is what a single statement gives: results
 * in order and parsed as pg parses them, an error that stops everything
 * after it, and a connection that is fine afterwards.
 */
let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
  await tdb.db.$client.query('create table pipeline_probe (id int primary key, note text)');
});
after(async () => {
  await tdb?.drop();
});

const NAMED = {
  name: 'pw_test_pipeline_probe',
  text: 'select $1::int + 1 as next, $2::jsonb as doc, $3::timestamptz as at, $4::bigint as big',
};

describe('pipeline', () => {
  test('returns one result per statement, in order, with values parsed as pg parses them', async () => {
    const client = await tdb.db.$client.connect();
    try {
      const at = new Date('2026-11-28T10:00:00.000Z');
      const results = await pipeline(client, [
        { text: 'select 1 as one' },
        { ...NAMED, values: [41, JSON.stringify({ a: [1, 2] }), at, 2 ** 40] },
        { text: "select 'x' as x where false" },
      ]);
      assert.equal(results.length, 3);
      assert.deepEqual(results[0]!.rows, [{ one: 1 }]);
      assert.deepEqual(results[1]!.rows, [{ next: 42, doc: { a: [1, 2] }, at, big: 2 ** 40 }]);
      assert.deepEqual(results[2]!.rows, []);
      assert.equal(results[2]!.rowCount, 0);
    } finally {
      client.release();
    }
  });

  test('parses a named statement once per connection, shared with pg’s own prepared queries', async () => {
    const client = await tdb.db.$client.connect();
    try {
      const parsed = () =>
        client
          .query<{ n: number }>(
            'select count(*)::int as n from pg_prepared_statements where name = $1',
            [NAMED.name],
          )
          .then((r) => r.rows[0]!.n);
      const values = [1, '{}', new Date(), 1];
      // Twice in one pipeline, then again, then by pg itself under the same name:
      // a second Parse of the name would fail ("already exists").
      await pipeline(client, [
        { ...NAMED, values },
        { ...NAMED, values },
      ]);
      await pipeline(client, [{ ...NAMED, values }]);
      const byPg = await client.query({ ...NAMED, values });
      assert.equal(byPg.rows[0].next, 2);
      assert.equal(await parsed(), 1);
    } finally {
      client.release();
    }
  });

  test('an error stops the statements after it and rejects with that error; the connection goes on', async () => {
    const client = await tdb.db.$client.connect();
    try {
      await assert.rejects(
        pipeline(client, [
          { text: 'begin' },
          { text: "insert into pipeline_probe values (1, 'before')" },
          { text: 'select 1 / 0' },
          { text: "insert into pipeline_probe values (2, 'after')" },
          { text: 'commit' },
        ]),
        /division by zero/,
      );
      // The transaction block is aborted, as after any failed statement.
      await assert.rejects(client.query('select 1'), /current transaction is aborted/);
      await client.query('rollback');
      const { rows } = await client.query('select id from pipeline_probe');
      assert.deepEqual(
        rows,
        [],
        'nothing of the failed transaction stays, nothing after the error ran',
      );
    } finally {
      client.release();
    }
  });

  test('a statement that fails to parse is not remembered as parsed', async () => {
    const client = await tdb.db.$client.connect();
    try {
      const broken = { name: 'pw_test_pipeline_broken', text: 'selec 1' };
      await assert.rejects(pipeline(client, [broken]), /syntax error/);
      await assert.rejects(pipeline(client, [broken]), /syntax error/);
    } finally {
      client.release();
    }
  });
});

describe('statements sent with BEGIN and with COMMIT', () => {
  test('run in order around the transaction’s own statements, and commit with it', async () => {
    const { db } = tdb;
    await db.$client.query('delete from pipeline_probe');
    const sent = await inTransaction(
      db,
      async (t) => {
        const opened = t.opening?.get('first')?.rows;
        assert.deepEqual(opened, [{ id: 10 }]);
        await queryPrepared(t.client, sql`insert into pipeline_probe values (11, 'middle')`);
        const last = sendWithCommit<{ n: number }>(
          t,
          sql`insert into pipeline_probe values (12, 'with commit') returning (select count(*)::int from pipeline_probe) as n`,
        );
        assert.throws(() => last.rows, /read before the commit/);
        return last;
      },
      {
        opening: [
          {
            key: 'first',
            query: sql`insert into pipeline_probe values (10, 'opening') returning id`,
          },
        ],
      },
    );
    // It ran after the other two (it saw both), and all three committed.
    assert.deepEqual(sent.rows, [{ n: 2 }]);
    const { rows } = await db.$client.query('select id from pipeline_probe order by id');
    assert.deepEqual(
      rows.map((r) => r.id),
      [10, 11, 12],
    );
  });

  test('a statement sent with COMMIT that fails rolls the whole transaction back', async () => {
    const { db } = tdb;
    await db.$client.query('delete from pipeline_probe');
    await assert.rejects(
      inTransaction(db, async (t) => {
        await queryPrepared(t.client, sql`insert into pipeline_probe values (20, 'kept?')`);
        // A duplicate key: fails only when sent, with COMMIT.
        sendWithCommit(t, sql`insert into pipeline_probe values (20, 'duplicate')`);
      }),
      /duplicate key/,
    );
    const { rows } = await db.$client.query('select id from pipeline_probe');
    assert.deepEqual(rows, []);
    // The pool's connections still work.
    assert.equal((await db.$client.query('select 1 as one')).rows[0].one, 1);
  });
});
