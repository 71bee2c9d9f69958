'use client';

import { useEffect } from 'react';
import { useTRPCClient } from '@/app/_lib/trpc';
import { editorGraphToDocument } from './editor-graph';
import type { EditorStore } from './editor-store';

const DEBOUNCE_MS = 350;

/**
 * Checks the document as it is being edited (`flows.validate`) a moment
 * after each edit, so problems show on their nodes before anyone saves.
 * Only the answer to the latest edit is kept.
 */
export function useDocumentValidation(store: EditorStore) {
  const client = useTRPCClient();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest = 0;
    const check = () => {
      const ticket = ++latest;
      const document = editorGraphToDocument(store.getState());
      client.flows.validate
        .mutate({ document })
        .then(({ issues }) => {
          if (ticket === latest) store.getState().setIssues(issues);
        })
        .catch(() => {
          // A failed check is not a problem in the flow; the next edit tries again.
        });
    };
    check();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.revision === previous.revision) return;
      clearTimeout(timer);
      timer = setTimeout(check, DEBOUNCE_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [client, store]);
}
