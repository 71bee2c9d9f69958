import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { secrets } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

/** Runs that reference it afterwards fail with "unknown secret". */
export async function deleteSecret(db: Database, name: string): Promise<{ name: string }> {
  const [row] = await db
    .delete(secrets)
    .where(eq(secrets.name, name))
    .returning({ name: secrets.name });
  if (!row) throw new NotFoundError('Secret', name);
  return row;
}
