import { asc, eq, inArray } from 'drizzle-orm';
import type { Database, DbOrTx } from '@/db/client';
import { variables } from '@/db/schema';
import { NotFoundError } from '@/server/errors';

const columns = {
  name: variables.name,
  value: variables.value,
  description: variables.description,
  createdAt: variables.createdAt,
  updatedAt: variables.updatedAt,
  updatedBy: variables.updatedBy,
};

export function listVariables(db: Database) {
  return db.select(columns).from(variables).orderBy(asc(variables.name));
}

export async function getVariable(db: Database, name: string) {
  const [row] = await db.select(columns).from(variables).where(eq(variables.name, name));
  if (!row) throw new NotFoundError('Variable', name);
  return row;
}

/** The named variables' values (or all), for a worker resolving `{{ vars.NAME }}`. */
export async function loadVariableValues(
  db: DbOrTx,
  names: readonly string[] | 'all',
): Promise<Map<string, unknown>> {
  const values = new Map<string, unknown>();
  if (names.length === 0) return values;
  const rows = await db
    .select({ name: variables.name, value: variables.value })
    .from(variables)
    .where(names === 'all' ? undefined : inArray(variables.name, [...new Set(names)]));
  for (const row of rows) values.set(row.name, row.value);
  return values;
}
