import type { Database } from '@/db/client';
import type { FlowDocument } from '@/server/engine/document';
import { ensureNameFree, insertFlowWithFirstVersion } from './store';

/** A new, empty flow at version 1. */
export async function createFlow(db: Database, input: { name: string; description?: string }) {
  const document: FlowDocument = {
    version: 1,
    name: input.name.trim(),
    ...(input.description ? { description: input.description } : {}),
    nodes: [],
    edges: [],
  };
  return db.transaction(async (tx) => {
    await ensureNameFree(tx, document.name);
    const { flow } = await insertFlowWithFirstVersion(tx, document, 'Created');
    return flow;
  });
}
