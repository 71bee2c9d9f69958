import type { TaskTypeLookup } from '@/server/engine/document';
import { FlowDocumentError, validateFlowDocument } from '@/server/engine/document';
import { InvalidInputError } from '@/server/errors';

/** Validates a document for storage, turning document errors into a service error. */
export function parseDocumentForSave(raw: unknown, types: TaskTypeLookup) {
  try {
    return validateFlowDocument(raw, types);
  } catch (err) {
    if (err instanceof FlowDocumentError) {
      throw new InvalidInputError(`The flow document is invalid:\n${err.message}`, err.issues);
    }
    throw err;
  }
}
