'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useTRPC } from '@/app/_lib/trpc';
import type { DocumentIssue } from '@/server/engine/document';

export type ImportFailure =
  | { source: string; kind: 'unreadable' | 'not-json' | 'refused'; message: string }
  | { source: string; kind: 'invalid-document'; message: string; issues: DocumentIssue[] };

export interface ImportedFlow {
  id: string;
  name: string;
  /** What the document called the flow; differs when the name was taken. */
  requestedName: string;
}

/**
 * Imports a flow document from a picked file (parsed here, so a JSON syntax
 * error is reported before anything is sent) or from an object. Failures are
 * kept as state for the page to show; successes go to `onImported`.
 */
export function useImportFlow(onImported: (flow: ImportedFlow) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<ImportFailure | null>(null);
  const mutation = useMutation(
    trpc.flows.import.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.flows.pathFilter()),
    }),
  );

  async function importDocument(document: unknown, source: string) {
    setFailure(null);
    try {
      const { flow } = await mutation.mutateAsync({ document });
      const requestedName =
        typeof document === 'object' && document !== null && 'name' in document
          ? String(document.name)
          : flow.name;
      onImported({ id: flow.id, name: flow.name, requestedName });
    } catch (error) {
      const details = apiErrorDetails(error);
      setFailure(
        details.documentIssues.length > 0
          ? {
              source,
              kind: 'invalid-document',
              message: details.message,
              issues: details.documentIssues,
            }
          : { source, kind: 'refused', message: details.message },
      );
    }
  }

  async function importFile(file: File) {
    setFailure(null);
    let text: string;
    try {
      text = await file.text();
    } catch (error) {
      setFailure({ source: file.name, kind: 'unreadable', message: String(error) });
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      setFailure({
        source: file.name,
        kind: 'not-json',
        message: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    await importDocument(document, file.name);
  }

  return {
    importFile,
    importDocument,
    failure,
    dismissFailure: () => setFailure(null),
    pending: mutation.isPending,
  };
}
