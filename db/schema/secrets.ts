import { customType, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

/**
 * Named values encrypted at rest (AES-256-GCM, server/secrets/crypto.ts).
 * The plaintext never sits in the database: only the ciphertext, its IV and
 * GCM tag, and which key encrypted it (for rotation and a clear error when a
 * process holds a different key).
 */
export const secrets = pgTable('secrets', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique('secrets_name_unique'),
  ciphertext: bytea().notNull(),
  iv: bytea().notNull(),
  tag: bytea().notNull(),
  /** Fingerprint of the key that encrypted this value (server/secrets/key.ts). */
  keyId: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedBy: text(),
});

/** Named JSON values flows read as `{{ vars.NAME }}`; not secret. */
export const variables = pgTable('variables', {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull().unique('variables_name_unique'),
  value: jsonb().$type<unknown>().notNull(),
  description: text().notNull().default(''),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedBy: text(),
});
