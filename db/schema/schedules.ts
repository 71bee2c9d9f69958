import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { flows } from './flows';

export const scheduleKinds = ['cron', 'interval'] as const;
export type ScheduleKind = (typeof scheduleKinds)[number];

/** What happens to slots that were missed (no worker ran) when workers come back. */
export const catchupPolicies = ['all', 'latest', 'skip'] as const;
export type CatchupPolicy = (typeof catchupPolicies)[number];

/**
 * A flow + version policy + parameters + when to run it (Prefect calls this
 * a deployment). Its upcoming runs are materialised ahead as flow runs in
 * state Scheduled; `materializedThrough` is the cursor of slots already
 * created, so a slot is never created twice and a cancelled one never comes back.
 */
export const schedules = pgTable(
  'schedules',
  {
    id: uuid().primaryKey().defaultRandom(),
    flowId: uuid()
      .notNull()
      .references(() => flows.id),
    name: text().notNull(),
    kind: text().$type<ScheduleKind>().notNull(),
    /** 5 fields (minute precision) or 6 (seconds first). */
    cron: text(),
    intervalSeconds: integer(),
    /** IANA name; cron fields are read in this zone (DST included). */
    timezone: text().notNull().default('UTC'),
    params: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** Null: the flow's latest version when each run fires. */
    pinnedVersion: integer(),
    active: boolean().notNull().default(true),
    catchup: text().$type<CatchupPolicy>().notNull().default('latest'),
    /** For catchup 'skip': missed runs later than this are not run. */
    catchupWindowMinutes: integer(),
    /** A Scheduled run not started this long after its time is Late. */
    lateAfterSeconds: integer().notNull().default(60),
    /** Interval schedules count their slots from here. */
    anchorAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** The last slot created as a run; the next slots come after it. */
    materializedThrough: timestamp({ withTimezone: true }),
    /** When the tick must top the materialised runs up again (the first of them fires). */
    refillAt: timestamp({ withTimezone: true }),
    /** Something the schedule's owner should know (e.g. slots missed beyond what is recorded). */
    notice: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('schedules_flow_idx').on(t.flowId, t.createdAt),
    index('schedules_refill_idx').on(t.refillAt).where(sql`${t.active}`),
  ],
);
