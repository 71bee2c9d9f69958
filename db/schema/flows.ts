import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { FlowDocument } from '@/server/engine/document';

export const flows = pgTable(
  'flows',
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    description: text().notNull().default(''),
    /** Version number of the newest flow_versions row; 0 never happens (created with 1). */
    latestVersion: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Deleting a flow hides it; its versions and runs stay readable. */
    deletedAt: timestamp({ withTimezone: true }),
    /**
     * Days finished runs of this flow are kept; null follows the server's
     * PIPEWRIGHT_RETENTION_DAYS, 0 keeps them forever.
     */
    retentionDays: integer(),
  },
  (t) => [
    uniqueIndex('flows_name_live_unique')
      .on(sql`lower(${t.name})`)
      .where(sql`${t.deletedAt} is null`),
    index('flows_updated_idx').on(t.updatedAt),
    // The runs list's text search matches flow names (ILIKE '%…%'; pg_trgm).
    index('flows_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
  ],
);

/** Immutable snapshots of a flow's document; a run always pins one. */
export const flowVersions = pgTable(
  'flow_versions',
  {
    id: uuid().primaryKey().defaultRandom(),
    flowId: uuid()
      .notNull()
      .references(() => flows.id),
    version: integer().notNull(),
    document: jsonb().$type<FlowDocument>().notNull(),
    message: text().notNull().default(''),
    createdBy: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('flow_versions_flow_version_unique').on(t.flowId, t.version)],
);
