import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { taskRuns } from '@/db/schema';
import { plainSqlToQuery } from '@/db/sql-text';
import { PLANNING_COLUMNS } from '@/server/execution/advance';
import { transitionsStatement } from '@/server/execution/transitions';

/**
 * The engine's statements are built by plainSqlToQuery rather than the
 * dialect (db/client.ts): whatever it builds must be what the dialect
 * would have sent, text and parameters alike, and it must leave to the
 * dialect what it does not know.
 */
const dialect = new PgDialect({ casing: 'snake_case' });

function assertSameAsDialect(query: SQL) {
  const plain = plainSqlToQuery(query);
  assert.ok(plain, 'expected the plain builder to take this statement');
  const built = dialect.sqlToQuery(query);
  assert.equal(plain.sql, built.sql);
  assert.deepEqual(plain.params, built.params);
}

describe('plainSqlToQuery', () => {
  test('builds text, nested fragments and values as the dialect does', () => {
    const at = new Date('2026-11-29T10:00:00.000Z');
    const inner = sql`state in (${'pending'}, ${'running'}) and n > ${3}`;
    assertSameAsDialect(
      sql`select ${PLANNING_COLUMNS} from task_runs where id = ${'a'} and ${inner}
        and ready_at < ${at} and note is ${null} and flag = ${true} and big = ${2n ** 40n}
        and ids = any(${sql.param(['x', 'y'])}::uuid[])${undefined} limit ${sql.param(5)}`,
    );
    assertSameAsDialect(sql.raw('select 1'));
    assertSameAsDialect(sql`${sql`${sql`${1}`}`} + ${2}`);
  });

  test('builds the transitions statement as the dialect does', () => {
    const statement = transitionsStatement(
      [
        { flowRunId: 'r', taskRunId: 't', fromState: 'pending', toState: 'running', attempt: 1 },
        { flowRunId: 'r', fromState: 'running', toState: 'completed', reason: "it's done" },
      ],
      [['pipewright_run', '{"id":"r"}']],
    );
    assert.ok(statement);
    assertSameAsDialect(statement);
  });

  test('leaves to the dialect what it does not build itself', () => {
    for (const query of [
      sql`select ${taskRuns.id} from ${taskRuns}`,
      sql`select 1 where id in ${['a', 'b']}`,
      sql`select ${'x'}`.inlineParams(),
      sql`select ${sql`${'x'}`.inlineParams()}`,
      sql`select ${sql.placeholder('id')}`,
      sql`select ${{ a: 1 }}`,
    ]) {
      assert.equal(plainSqlToQuery(query), undefined, dialect.sqlToQuery(query).sql);
    }
  });
});
