import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { variables } from '@/db/schema';

/** Creates a variable or replaces its value (and description, when given). */
export async function setVariable(
  db: Database,
  input: { name: string; value: unknown; description?: string },
  updatedBy: string | null = null,
) {
  const now = new Date();
  // As a JSON literal: drizzle would send a JSON null as SQL NULL.
  const value = sql`${JSON.stringify(input.value)}::jsonb`;
  const [row] = await db
    .insert(variables)
    .values({
      name: input.name,
      value,
      description: input.description ?? '',
      updatedBy,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: variables.name,
      set: {
        value,
        ...(input.description === undefined ? {} : { description: input.description }),
        updatedBy,
        updatedAt: now,
      },
    })
    .returning({
      name: variables.name,
      value: variables.value,
      description: variables.description,
      createdAt: variables.createdAt,
      updatedAt: variables.updatedAt,
      updatedBy: variables.updatedBy,
      created: sql<boolean>`(xmax = 0)`,
    });
  return row!;
}
