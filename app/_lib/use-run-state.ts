'use client';

import { useQuery } from '@tanstack/react-query';
import { isTerminalFlowState } from '@/server/engine/states';
import { useTRPC } from './trpc';

const POLL_MS = 300;

/**
 * A flow run, kept fresh until it ends: polls `runs.get` every 300 ms while
 * the run is not terminal. The one place that knows how run updates arrive
 * (Server-Sent Events will replace the polling here, and only here).
 */
export function useRunState(runId: string | null) {
  const trpc = useTRPC();
  const query = useQuery(
    trpc.runs.get.queryOptions(
      { id: runId ?? '' },
      {
        enabled: runId !== null,
        staleTime: 0,
        refetchInterval: (q) => {
          const state = q.state.data?.state;
          return state && isTerminalFlowState(state) ? false : POLL_MS;
        },
        refetchIntervalInBackground: true,
      },
    ),
  );
  return runId === null ? undefined : query.data;
}

export type RunDetail = NonNullable<ReturnType<typeof useRunState>>;
