'use client';

import { useMutation } from '@tanstack/react-query';
import { downloadJson, jsonFileName } from './download-json';
import { useTRPCClient } from './trpc';

/**
 * Downloads a flow (a given version, or the latest) as `<name>.json`, the v1
 * document exactly as saved. A mutation in form only: it gives pending and
 * error state for the button; nothing is cached.
 */
export function useExportFlow() {
  const client = useTRPCClient();
  return useMutation({
    mutationFn: async (input: { id: string; version?: number }) => {
      const document = await client.flows.export.query(input);
      downloadJson(jsonFileName(document.name), document);
      return document;
    },
  });
}
