import { eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { flowVersions } from '@/db/schema';
import type { FlowDocument, FlowNode } from '@/server/engine/document';

/**
 * Flow versions are immutable, so their documents can be cached forever.
 * Bounded so a long-lived worker serving thousands of flows stays small.
 */
const cache = new Map<string, { doc: FlowDocument; nodes: Map<string, FlowNode> }>();
const MAX_CACHED = 500;

export async function loadVersionDocument(db: DbOrTx, flowVersionId: string) {
  const hit = cache.get(flowVersionId);
  if (hit) return hit;
  const [row] = await db
    .select({ document: flowVersions.document })
    .from(flowVersions)
    .where(eq(flowVersions.id, flowVersionId));
  if (!row) throw new Error(`flow version ${flowVersionId} is missing`);
  const entry = { doc: row.document, nodes: new Map(row.document.nodes.map((n) => [n.id, n])) };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(flowVersionId, entry);
  return entry;
}
