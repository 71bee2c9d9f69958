import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows, flowVersions } from '@/db/schema';
import { getFlow } from './get';

export async function listFlows(db: Database, input: { search?: string } = {}) {
  const search = input.search?.trim();
  return db
    .select({
      id: flows.id,
      name: flows.name,
      description: flows.description,
      latestVersion: flows.latestVersion,
      createdAt: flows.createdAt,
      updatedAt: flows.updatedAt,
      nodeCount: sql<number>`jsonb_array_length(${flowVersions.document}->'nodes')`.mapWith(Number),
    })
    .from(flows)
    .innerJoin(
      flowVersions,
      and(eq(flowVersions.flowId, flows.id), eq(flowVersions.version, flows.latestVersion)),
    )
    .where(
      and(
        isNull(flows.deletedAt),
        search ? sql`${flows.name} ilike ${`%${search.replace(/[\\%_]/g, '\\$&')}%`}` : undefined,
      ),
    )
    .orderBy(desc(flows.updatedAt), asc(flows.name));
}

/** Version history, newest first. */
export async function listFlowVersions(db: Database, id: string) {
  await getFlow(db, { id });
  return db
    .select({
      version: flowVersions.version,
      message: flowVersions.message,
      createdAt: flowVersions.createdAt,
      createdBy: flowVersions.createdBy,
      nodeCount: sql<number>`jsonb_array_length(${flowVersions.document}->'nodes')`.mapWith(Number),
    })
    .from(flowVersions)
    .where(eq(flowVersions.flowId, id))
    .orderBy(desc(flowVersions.version));
}
