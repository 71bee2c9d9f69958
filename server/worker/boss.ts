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
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const name of queueNames) {
    if (!existing.has(name)) await boss.createQueue(name, { name, ...queues[name].options });
  }
  return boss;
}
