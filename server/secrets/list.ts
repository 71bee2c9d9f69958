import { asc } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { secrets } from '@/db/schema';

/** Names and dates only: a secret's value never leaves the server once saved. */
export function listSecrets(db: Database) {
  return db
    .select({
      name: secrets.name,
      createdAt: secrets.createdAt,
      updatedAt: secrets.updatedAt,
      updatedBy: secrets.updatedBy,
    })
    .from(secrets)
    .orderBy(asc(secrets.name));
}

/** Just the names, for template suggestions in the editor. */
export async function listSecretNames(db: Database): Promise<string[]> {
  const rows = await db.select({ name: secrets.name }).from(secrets).orderBy(asc(secrets.name));
  return rows.map((r) => r.name);
}
