import type { Database } from '@/db/client';
import type { TaskTypeLookup } from '@/server/engine/document';
import { ConflictError } from '@/server/errors';
import { parseDocumentForSave } from './document-io';
import { appendVersion, ensureNameFree, lockLiveFlow } from './store';

/**
 * Saves a document as the flow's next immutable version. `baseVersion` is
 * the version the editor loaded: if someone saved since, this is a conflict
 * and nothing is written (no silent overwrite).
 */
export async function updateFlow(
  db: Database,
  types: TaskTypeLookup,
  input: { id: string; baseVersion: number; document: unknown; message?: string },
) {
  const document = parseDocumentForSave(input.document, types);
  return db.transaction(async (tx) => {
    const flow = await lockLiveFlow(tx, input.id);
    if (flow.latestVersion !== input.baseVersion) {
      throw new ConflictError(
        `This flow was saved by someone else (now version ${flow.latestVersion}; you started from version ${input.baseVersion}). Reload to see their changes before saving.`,
      );
    }
    if (document.name.toLowerCase() !== flow.name.toLowerCase()) {
      await ensureNameFree(tx, document.name, flow.id);
    }
    return appendVersion(
      tx,
      flow.id,
      flow.latestVersion + 1,
      document,
      input.message?.trim() ?? '',
    );
  });
}
