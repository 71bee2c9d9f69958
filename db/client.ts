import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { pipeline } from './pipeline';
import * as schema from './schema';
import { plainSqlToQuery } from './sql-text';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A database handle or an open transaction: service verbs accept either. */
export type DbOrTx = PgDatabase<NodePgQueryResultHKT, typeof schema>;
/** An open transaction plus its raw connection (pg-boss sends jobs through it). */
export interface Transaction {
  tx: NodePgDatabase<typeof schema>;
  client: pg.PoolClient;
  /**
   * The results of the statements sent with BEGIN (inTransaction's
   * `opening`), by the key each was given; whoever asked for one takes it
   * (once), with takeOpened.
   */
  opening?: Map<string, pg.QueryResult>;
  /** Statements to send with COMMIT, in order (sendWithCommit). */
  withCommit?: CommitStatement[];
}

/** A statement sent with COMMIT: its result can be read once inTransaction has returned. */
export class CommitStatement<R extends pg.QueryResultRow = pg.QueryResultRow> {
  private result: pg.QueryResult<R> | undefined;

  constructor(readonly query: SQL) {}

  /** Its rows; only after the transaction committed. */
  get rows(): R[] {
    if (!this.result) throw new Error('a statement sent with COMMIT was read before the commit');
    return this.result.rows;
  }

  settle(result: pg.QueryResult): void {
    this.result = result as pg.QueryResult<R>;
  }
}

/**
 * Sends `query` with the transaction's COMMIT, in the same round trip, after
 * every statement the transaction ran. For a last write whose result is
 * only needed once the transaction has committed (the engine's claims of
 * tasks it hands to itself): it saves the round trip that would otherwise
 * separate it from COMMIT. If it fails, the transaction rolls back and
 * inTransaction throws its error.
 */
export function sendWithCommit<R extends pg.QueryResultRow>(
  t: Transaction,
  query: SQL,
): CommitStatement<R> {
  const statement = new CommitStatement<R>(query);
  t.withCommit ??= [];
  t.withCommit.push(statement as CommitStatement);
  return statement;
}

/** The result of the statement sent with BEGIN under `key`, if there was one (once). */
export function takeOpened(t: Transaction, key: string): pg.QueryResult | undefined {
  const result = t.opening?.get(key);
  t.opening?.delete(key);
  return result;
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
 * The statements an engine transaction pipelines (sent with BEGIN, with
 * COMMIT, or as a whole transaction: transactionOf) are the hot path's
 * fixed-shape ones, each a named prepared statement, and run on a plan made
 * once per connection. Left to choose, PostgreSQL re-planned the claim and
 * the completion with their parameters on every execution (their generic
 * plans are costed higher, for arrays of unknown length), at 0.4–0.5 ms of
 * planning per statement, more than running it: a third of the database's
 * CPU on a for-each of no-op items. Their generic plans read the same
 * indexes (tests/execution/for-each-plan.test.ts holds both kinds to a few
 * rows).
 *
 * A connection keeps its plans until ANALYZE changes the table's
 * statistics, and it makes them at its first use: often on a task_runs of
 * a few rows, where reading the whole table costs least. A for-each that
 * then adds 10,000 items made the claim of each batch of items read all of
 * them. Every one of these statements finds its rows through an index, so
 * sequential scans are off for them: a plan made on a small table is then
 * the one a large table needs (the same test plans them before the items
 * exist).
 *
 * Set for the pipeline only: statements sent on their own in the
 * transaction plan as usual.
 */
export const GENERIC_PLANS = [
  { text: 'set local plan_cache_mode = force_generic_plan' },
  { text: 'set local enable_seqscan = off' },
];
const DEFAULT_PLANS = [
  { text: 'set local plan_cache_mode to default' },
  { text: 'set local enable_seqscan to default' },
];

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
     * Statements to run first, sent with BEGIN in one round trip: a
     * transaction that always starts the same way (the engine's take the run
     * lock) saves the round trips between them. Their results are
     * `Transaction.opening`, by key.
     */
    opening?: { key: string; query: SQL }[];
  } = {},
): Promise<T> {
  return inConnection(db, async (client) => {
    const t: Transaction = { tx: transactionDatabase(client), client };
    if (options.opening && options.opening.length > 0) {
      const opening = options.opening;
      const results = await pipeline(client, [
        { text: 'begin' },
        ...GENERIC_PLANS,
        ...opening.map(({ query }) => preparedStatement(query)),
        ...DEFAULT_PLANS,
      ]);
      const first = 1 + GENERIC_PLANS.length;
      t.opening = new Map(opening.map(({ key }, i) => [key, results[first + i]!]));
    } else {
      await client.query('begin');
    }
    const result = await fn(t);
    const withCommit = t.withCommit ?? [];
    if (withCommit.length > 0) {
      const results = await pipeline(client, [
        ...GENERIC_PLANS,
        ...withCommit.map(({ query }) => preparedStatement(query)),
        { text: 'commit' },
      ]);
      for (const [i, statement] of withCommit.entries()) {
        statement.settle(results[GENERIC_PLANS.length + i]!);
      }
    } else {
      await client.query('commit');
    }
    return result;
  });
}

/**
 * A transaction of fixed statements in one round trip: BEGIN, each in
 * order, COMMIT. For a transaction whose every statement is known before
 * the first is sent (the engine's chained finish): each statement's guard
 * takes the place of a decision the client would otherwise make between
 * round trips. Resolves with a result per statement; if one fails, the rest
 * do not run, the transaction rolls back and it rejects with that error.
 */
export function transactionOf(db: Database, statements: SQL[]): Promise<pg.QueryResult[]> {
  return inConnection(db, async (client) => {
    const results = await pipeline(client, [
      { text: 'begin' },
      ...GENERIC_PLANS,
      ...statements.map(preparedStatement),
      { text: 'commit' },
    ]);
    return results.slice(1 + GENERIC_PLANS.length, -1);
  });
}

/** Runs a transaction's `fn` on a pooled connection; rolls back if it throws. */
async function inConnection<T>(db: Database, fn: (client: pg.PoolClient) => Promise<T>) {
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
    return await fn(client);
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
 * each connection parses it once, not on every task. Sent on its own like
 * this, PostgreSQL still plans it with each execution's values unless its
 * generic plan looks as cheap; pipelined, it runs on its generic plan
 * (GENERIC_PLANS). Only for
 * statements of a fixed shape (the name is a hash of the text; a text that
 * varied with its input would fill every connection with one-off plans).
 * Rows come back as pg parses them: timestamps as Dates, jsonb parsed.
 */
export function queryPrepared<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  query: SQL,
): Promise<pg.QueryResult<R>> {
  return client.query<R>(preparedStatement(query));
}

/** A statement of fixed shape as a named prepared statement (see queryPrepared). */
function preparedStatement(query: SQL): { name: string; text: string; values: unknown[] } {
  const { sql: text, params } = plainSqlToQuery(query) ?? dialect.sqlToQuery(query);
  let name = statementNames.get(text);
  if (!name) {
    name = `pw_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return { name, text, values: params as unknown[] };
}
