import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { secrets } from '@/db/schema';
import { decryptSecret } from './crypto';
import { secretKey } from './key';

/**
 * Decrypts the named secrets, for a worker about to run a task; names with
 * no secret are simply absent from the map. Only the worker calls this.
 */
export async function loadSecretValues(
  db: DbOrTx,
  names: readonly string[],
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  if (names.length === 0) return values;
  const rows = await db
    .select()
    .from(secrets)
    .where(inArray(secrets.name, [...new Set(names)]));
  const key = secretKey();
  for (const row of rows) values.set(row.name, decryptSecret(key, row.name, row));
  return values;
}
