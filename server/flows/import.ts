import type { Database } from '@/db/client';
import type { TaskTypeLookup } from '@/server/engine/document';
import { parseDocumentForSave } from './document-io';
import { freeName, insertFlowWithFirstVersion } from './store';

/**
 * Imports a v1 document as a new flow. A name already in use gets a suffix
 * ("Backup (imported)") rather than failing: importing the same file twice
 * is a normal thing to do.
 */
export async function importFlow(
  db: Database,
  types: TaskTypeLookup,
  input: { document: unknown; message?: string },
) {
  const parsed = parseDocumentForSave(input.document, types);
  return db.transaction(async (tx) => {
    const name = await freeName(tx, parsed.name, 'imported');
    const document = name === parsed.name ? parsed : { ...parsed, name };
    const { flow, version } = await insertFlowWithFirstVersion(
      tx,
      document,
      input.message ?? 'Imported',
    );
    return { flow, version: version.version };
  });
}
