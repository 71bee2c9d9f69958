import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every worker process that ever started, with its last heartbeat: the
 * Workers page lists them and "why isn't this running?" asks which pools
 * have a worker online. A worker is online while it is not stopped and its
 * heartbeat is recent (see server/workers/registry.ts).
 */
export const workers = pgTable(
  'workers',
  {
    /** The id task runs and attempts record (`host:pid`, plus `:n` for a second worker in one process). */
    id: text().primaryKey(),
    host: text().notNull(),
    pid: integer().notNull(),
    /** Pipewright's package version the worker runs. */
    version: text().notNull(),
    /** The pools whose tasks it takes. */
    pools: text().array().notNull(),
    /** Task attempts it runs at once. */
    concurrency: integer().notNull(),
    /** Attempts it was running at its last heartbeat. */
    runningTasks: integer().notNull().default(0),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastHeartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Set on a graceful stop; a worker that died just stops heartbeating. */
    stoppedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('workers_live_idx').on(t.lastHeartbeatAt).where(sql`${t.stoppedAt} is null`)],
);
