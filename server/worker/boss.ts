import pg from 'pg';
import PgBoss from 'pg-boss';
import { queueNames, queues } from './queues';

export const BOSS_SCHEMA = 'pgboss';

/** Starts pg-boss (creating or upgrading its schema) and makes sure every queue exists. */
export async function startBoss(connectionString: string, options: { supervise: boolean }) {
  const boss = new PgBoss({
    connectionString,
    schema: BOSS_SCHEMA,
    application_name: 'pipewright-boss',
    max: 4,
    supervise: options.supervise,
    schedule: false,
  });
  let stopping = false;
  boss.on('error', (err) => {
    // pg-boss reports transient database errors here; it retries on its own.
    // While shutting down, connections closing under it are expected.
    if (!stopping) console.error(`[pg-boss] ${err.message}`);
  });
  const stop = boss.stop.bind(boss);
  boss.stop = (options) => {
    stopping = true;
    return stop(options);
  };
  await boss.start();
  await createMissingQueues(connectionString, boss);
  return boss;
}

/** Any constant shared by every Pipewright process (db/migrate.ts uses another). */
const QUEUE_CREATION_LOCK = 7_314_160;

/**
 * Each pg-boss queue is a partition of its job table: two processes
 * creating queues at once (a web process and workers started together on a
 * fresh database) deadlocked on attaching them, and one of them exited
 * ("deadlock detected"). They take turns under a session advisory lock;
 * the ones that come second find the queues there.
 */
async function createMissingQueues(connectionString: string, boss: PgBoss) {
  let existing = new Set((await boss.getQueues()).map((q) => q.name));
  if (queueNames.every((name) => existing.has(name))) return;
  const lock = new pg.Client({ connectionString, application_name: 'pipewright-boss' });
  lock.on('error', () => {});
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [QUEUE_CREATION_LOCK]);
    existing = new Set((await boss.getQueues()).map((q) => q.name));
    for (const name of queueNames) {
      if (!existing.has(name)) await boss.createQueue(name, { name, ...queues[name].options });
    }
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [QUEUE_CREATION_LOCK]).catch(() => {});
    await lock.end().catch(() => {});
  }
}
