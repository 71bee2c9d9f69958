import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A database handle or an open transaction: service verbs accept either. */
export type DbOrTx = PgDatabase<NodePgQueryResultHKT, typeof schema>;
/** An open transaction plus its raw connection (pg-boss sends jobs through it). */
export interface Transaction {
  tx: NodePgDatabase<typeof schema>;
  client: pg.PoolClient;
  /**
   * The rows of the `withBegin` statement, sent in one round trip with BEGIN,
   * under the key it was given; whoever asked for them takes them (once).
   */
  opening?: { key: string; rows: pg.QueryResultRow[] };
}

// Timestamps and bigints come back as JS values; int8 ids fit in a double for
// any realistic log volume (2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createDatabase(connectionString: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'pipewright',
  });
  // An idle client losing its connection (database restart) must not crash
  // the process; the pool replaces it on next checkout.
  pool.on('error', () => {});
  return drizzle({ client: pool, schema, casing: 'snake_case' }) as Database;
}

export { schema };

/**
 * Runs `fn` in one transaction on one pooled connection. Unlike
 * `db.transaction`, it hands out the raw connection too, so pg-boss can
 * insert jobs in the same transaction (its `db` option).
 */
export async function inTransaction<T>(
  db: Database,
  fn: (t: Transaction) => Promise<T>,
  options: {
    /**
     * A statement to run first, sent with BEGIN as one simple query: one
     * round trip fewer for a transaction that always starts the same way
     * (the engine's take the run lock). No parameters: the caller inlines
     * only values it has validated. Its rows are `Transaction.opening`.
     */
    withBegin?: { key: string; text: string };
  } = {},
): Promise<T> {
  const client = await db.$client.connect();
  let broken = false;
  // A checked-out client has no listener of the pool's: a connection lost
  // between two statements (a database restart, pg_terminate_backend)
  // emitted 'error' with nobody listening, and the process crashed. The
  // statement in flight fails on its own; this marks the client unusable.
  const onConnectionError = () => {
    broken = true;
  };
  client.on('error', onConnectionError);
  try {
    const t: Transaction = { tx: transactionDatabase(client), client };
    if (options.withBegin) {
      const { key, text } = options.withBegin;
      const results = (await client.query(`begin; ${text}`)) as unknown as pg.QueryResult[];
      t.opening = { key, rows: results[1]!.rows };
    } else {
      await client.query('begin');
    }
    const result = await fn(t);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.removeListener('error', onConnectionError);
    client.release(broken);
  }
}

/**
 * One drizzle instance per pooled connection, made on its first transaction:
 * building one extracts the schema's relational config, which cost more CPU
 * than the engine's statements themselves when it was done per transaction.
 */
const transactionDatabases = new WeakMap<pg.PoolClient, NodePgDatabase<typeof schema>>();

function transactionDatabase(client: pg.PoolClient): NodePgDatabase<typeof schema> {
  let tx = transactionDatabases.get(client);
  if (!tx) {
    tx = drizzle({ client, schema, casing: 'snake_case' });
    transactionDatabases.set(client, tx);
  }
  return tx;
}

/** pg-boss's view of a transaction: `send(..., { db: bossDb(client) })`. */
export function bossDb(client: pg.PoolClient) {
  return { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
}

const dialect = new PgDialect({ casing: 'snake_case' });
const statementNames = new Map<string, string>();

/**
 * Runs a statement of the engine's hot path as a named prepared statement:
 * each connection parses and plans it once, not on every task. Only for
 * statements of a fixed shape (the name is a hash of the text; a text that
 * varied with its input would fill every connection with one-off plans).
 * Rows come back as pg parses them: timestamps as Dates, jsonb parsed.
 */
export function queryPrepared<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  query: SQL,
): Promise<pg.QueryResult<R>> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  let name = statementNames.get(text);
  if (!name) {
    name = `pw_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return client.query<R>({ name, text, values: params as unknown[] });
}
