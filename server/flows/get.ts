import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { flows } from '@/db/schema';
import type { FlowDocument } from '@/server/engine/document';
import { NotFoundError } from '@/server/errors';
import { loadVersion } from './store';

/** A flow with one of its versions (the latest by default). */
export async function getFlow(db: Database, input: { id: string; version?: number }) {
  const [flow] = await db
    .select()
    .from(flows)
    .where(and(eq(flows.id, input.id), isNull(flows.deletedAt)));
  if (!flow) throw new NotFoundError('Flow', input.id);
  const version = await loadVersion(db, flow.id, input.version ?? flow.latestVersion);
  return {
    ...flow,
    version: {
      version: version.version,
      message: version.message,
      createdAt: version.createdAt,
      createdBy: version.createdBy,
      document: version.document,
    },
  };
}

/** A flow with one version's document: `flows.get`. */
export type FlowDetail = Awaited<ReturnType<typeof getFlow>>;

/** The v1 document of a version, exactly as it was saved. */
export async function exportFlow(
  db: Database,
  input: { id: string; version?: number },
): Promise<FlowDocument> {
  return (await getFlow(db, input)).version.document;
}
