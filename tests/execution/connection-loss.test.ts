import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inTransaction } from '@/db/client';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * Found by the fault-injection suite (pg_terminate_backend, PostgreSQL
 * restarts): a transaction's connection killed between two statements
 * crashed the whole worker process with an unhandled 'error' event.
 */

let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(() => tdb.drop());

test('a transaction whose connection is killed between statements fails; the process lives', async () => {
  const killer = await tdb.db.$client.connect();
  try {
    await assert.rejects(
      inTransaction(tdb.db, async ({ client }) => {
        const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
        await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        // The server's goodbye arrives while no statement is running.
        await new Promise((r) => setTimeout(r, 300));
        await client.query('select 1');
      }),
    );
  } finally {
    killer.release();
  }
  // The pool still works: the broken connection was thrown away, not reused.
  const ok = await inTransaction(
    tdb.db,
    async ({ client }) => (await client.query('select 1 as one')).rows[0],
  );
  assert.deepEqual(ok, { one: 1 });
});
