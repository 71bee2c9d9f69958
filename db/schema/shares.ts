import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { flowRuns } from './runs';

/**
 * Read-only public links to a run page (`/share/<token>`). Only the SHA-256
 * of the token is kept: a leaked table dump opens nothing, and the URL can
 * be shown only once, when the link is minted.
 */
export const runShares = pgTable(
  'run_shares',
  {
    id: uuid().primaryKey().defaultRandom(),
    flowRunId: uuid()
      .notNull()
      .references(() => flowRuns.id, { onDelete: 'cascade' }),
    /** Hex SHA-256 of the token (32 random bytes, base64url). */
    tokenHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Who minted it; null until teammates sign in. */
    createdBy: text(),
    /** Null: never expires. */
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('run_shares_token_hash_idx').on(t.tokenHash),
    index('run_shares_run_idx').on(t.flowRunId, t.createdAt.desc()),
  ],
);
