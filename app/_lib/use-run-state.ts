'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import superjson from 'superjson';
import { isTerminalFlowState } from '@/server/engine/states';
import type { FlowRunDetail } from '@/server/runs/queries';
import { runEventsPath, useShareToken } from './run-access';
import { useTRPC } from './trpc';

const POLL_MS = 300;
/** While the stream works: a backstop read this often. */
const SAFETY_POLL_MS = 2000;
/** Consecutive stream errors (without a snapshot between) before falling back to polling. */
const MAX_STREAM_ERRORS = 3;

/**
 * A flow run, kept fresh until it ends. Follows `/api/runs/<id>/events`
 * (Server-Sent Events: a snapshot per change) and writes each snapshot into
 * the `runs.get` query cache; if the stream keeps failing, polls `runs.get`
 * every 300 ms instead. The one place that knows how run updates arrive.
 */
export function useRunState(runId: string | null) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [polling, setPolling] = useState(false);
  // On a share page every read carries the link's token (see run-access.tsx).
  const share = useShareToken();

  useEffect(() => {
    if (runId === null || polling || typeof EventSource === 'undefined') {
      if (runId !== null && typeof EventSource === 'undefined') setPolling(true);
      return;
    }
    const queryKey = trpc.runs.get.queryKey({ id: runId, share });
    const source = new EventSource(runEventsPath(runId, share));
    let errors = 0;
    let ended = false;
    source.addEventListener('snapshot', (event) => {
      errors = 0;
      const run = superjson.parse<FlowRunDetail>((event as MessageEvent<string>).data);
      queryClient.setQueryData(queryKey, run);
      if (isTerminalFlowState(run.state)) {
        ended = true;
        source.close();
      }
    });
    source.onerror = () => {
      if (ended) return;
      errors += 1;
      if (errors >= MAX_STREAM_ERRORS) {
        source.close();
        setPolling(true);
      }
    };
    return () => source.close();
  }, [runId, share, polling, queryClient, trpc]);

  const query = useQuery(
    trpc.runs.get.queryOptions(
      { id: runId ?? '', share },
      {
        // The stream fills the cache; a slow safety poll (fast once the
        // stream has failed) guarantees the page reaches the final state
        // even if a snapshot is lost. A poll can briefly show a state the
        // stream already moved past; the next snapshot corrects it.
        enabled: runId !== null,
        staleTime: 0,
        refetchInterval: (q) => {
          const state = q.state.data?.state;
          if (state && isTerminalFlowState(state)) return false;
          // A revoked or expired share link: nothing more to read.
          if (share && q.state.error?.data?.code === 'NOT_FOUND') return false;
          return polling ? POLL_MS : SAFETY_POLL_MS;
        },
        refetchIntervalInBackground: true,
      },
    ),
  );
  return runId === null ? undefined : query.data;
}

export type RunDetail = NonNullable<ReturnType<typeof useRunState>>;
