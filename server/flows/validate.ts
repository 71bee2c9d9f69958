import {
  type DocumentIssue,
  FlowDocumentError,
  type TaskTypeLookup,
  validateFlowDocument,
} from '@/server/engine/document';
import { upstreamOf } from '@/server/engine/planning';
import { validateTemplateReferences } from '@/server/engine/template';

/**
 * Checks a document without saving it, for the editor: every problem,
 * including template references to nodes that are not upstream.
 */
export function checkFlowDocument(
  raw: unknown,
  types: TaskTypeLookup,
): { issues: DocumentIssue[] } {
  try {
    const doc = validateFlowDocument(raw, types);
    const templateIssues = validateTemplateReferences(doc, (id) => new Set(upstreamOf(doc, id)));
    return {
      issues: templateIssues.map((i) => ({
        path: `nodes.${i.nodeId}.config`,
        nodeId: i.nodeId,
        message: i.message,
      })),
    };
  } catch (err) {
    if (err instanceof FlowDocumentError) return { issues: err.issues };
    throw err;
  }
}
