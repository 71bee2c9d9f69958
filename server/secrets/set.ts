import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { secrets } from '@/db/schema';
import { encryptSecret } from './crypto';
import { secretKey } from './key';

/**
 * Creates a secret or replaces its value. Returns what the list shows,
 * never the value.
 */
export async function setSecret(
  db: Database,
  input: { name: string; value: string },
  updatedBy: string | null = null,
) {
  const encrypted = encryptSecret(secretKey(), input.name, input.value);
  const now = new Date();
  const [row] = await db
    .insert(secrets)
    .values({ name: input.name, ...encrypted, updatedBy, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: secrets.name,
      set: { ...encrypted, updatedBy, updatedAt: now },
    })
    .returning({
      name: secrets.name,
      createdAt: secrets.createdAt,
      updatedAt: secrets.updatedAt,
      updatedBy: secrets.updatedBy,
      // xmax is 0 for a freshly inserted row, set for an updated one.
      created: sql<boolean>`(xmax = 0)`,
    });
  return row!;
}
