import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { variables } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

/** Runs that reference it afterwards fail with "unknown variable". */
export async function deleteVariable(db: Database, name: string): Promise<{ name: string }> {
  const [row] = await db
    .delete(variables)
    .where(eq(variables.name, name))
    .returning({ name: variables.name });
  if (!row) throw new NotFoundError('Variable', name);
  return row;
}
