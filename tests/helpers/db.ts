import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '@/db/client';
import { withDatabase } from '@/db/embedded';
import { env } from '@/server/env';

export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = env().PIPEWRIGHT_TEST_DATABASE_URL;
  if (!url) throw new Error('Run tests with `npm test`: it starts the test PostgreSQL server');
  return url;
}

/** A fresh, migrated database of its own (cloned from the suite's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await admin.connect();
  // Two files cloning the template at once collide ("source database is
  // being accessed by other users"); retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database ${name} template pipewright_template`);
      break;
    } catch (err) {
      if (attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    }
  }
  await admin.end();
  const url = withDatabase(serverUrl(), name);
  const db = createDatabase(url, { max: 5 });
  return {
    url,
    db,
    async drop() {
      await db.$client.end();
      const a = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
