import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema';

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** A database handle or an open transaction: service verbs accept either. */
export type DbOrTx = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

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
