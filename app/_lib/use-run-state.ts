'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import superjson from 'superjson';
import { isTerminalFlowState } from '@/server/engine/states';
import { runEventsPath, useShareToken } from './run-access';
import { applyPatch, mergeSummary, type RunSummary, type RunSummaryPatch } from './run-summary';
import { useTRPC } from './trpc';

const POLL_MS = 300;
/** While the stream works: a backstop check this often. */
const SAFETY_POLL_MS = 2000;
/** Consecutive stream errors (without a snapshot between) before falling back to polling. */
const MAX_STREAM_ERRORS = 3;

/**
 * A flow run's summary (`runs.summary`: states, attempts, timings — no
 * outputs), kept fresh until it ends. Follows `/api/runs/<id>/events`
 * (Server-Sent Events: a snapshot, then patches with only the tasks that
 * changed) and merges each into the `runs.summary` query cache; a cheap
 * `runs.progress` poll re-reads the summary whenever the page is behind. Every
 * update goes through `mergeSummary`/`applyPatch`: unchanged tasks keep
 * their objects (memoized nodes stay put) and an older read never replaces
 * a newer one. The one place that knows how run updates arrive.
 */
export function useRunState(runId: string | null, initialSummary?: RunSummary) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [polling, setPolling] = useState(false);
  // Through a share link every read carries its token.
  const share = useShareToken();

  useEffect(() => {
    if (runId === null || polling || typeof EventSource === 'undefined') {
      if (runId !== null && typeof EventSource === 'undefined') setPolling(true);
      return;
    }
    const queryKey = trpc.runs.summary.queryKey({ id: runId, share });
    // A page that already holds the current summary (the server rendered it)
    // says so, and the stream starts with patches instead of resending it.
    const known = queryClient.getQueryData(queryKey);
    const source = new EventSource(
      `${runEventsPath(runId, share)}${known ? `?digest=${encodeURIComponent(known.digest)}` : ''}`,
    );
    let errors = 0;
    let ended = false;
    source.addEventListener('snapshot', (event) => {
      errors = 0;
      const run = superjson.parse<RunSummary>((event as MessageEvent<string>).data);
      queryClient.setQueryData(queryKey, (current) => mergeSummary(current, run));
      if (isTerminalFlowState(run.state)) {
        ended = true;
        source.close();
      }
    });
    source.addEventListener('patch', (event) => {
      errors = 0;
      const patch = superjson.parse<RunSummaryPatch>((event as MessageEvent<string>).data);
      queryClient.setQueryData(queryKey, (current) => applyPatch(current, patch));
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
    trpc.runs.summary.queryOptions(
      { id: runId ?? '', share },
      {
        enabled: runId !== null,
        // The run page renders the server's summary at once (no fetch to wait for).
        initialData: initialSummary?.id === runId ? initialSummary : undefined,
        // Kept fresh by the stream, or re-read when the progress poll below
        // says it is behind; an answer older than what the stream already
        // showed is dropped by mergeSummary (by `seq`).
        staleTime: Number.POSITIVE_INFINITY,
        structuralSharing: (current, incoming) =>
          mergeSummary(current as RunSummary | undefined, incoming as RunSummary),
      },
    ),
  );
  const summary = query.data;
  const ended = summary !== undefined && isTerminalFlowState(summary.state);
  // The backstop: a cheap read of the run's state-change count every 2 s
  // (every 300 ms once the stream has failed). If the page is behind — an
  // event was lost, the stream is stuck — the summary is read again, so the
  // page always reaches the final state.
  const progress = useQuery(
    trpc.runs.progress.queryOptions(
      { id: runId ?? '', share },
      {
        enabled: runId !== null && summary !== undefined && !ended,
        staleTime: 0,
        refetchInterval: (q) =>
          // A revoked or expired share link: nothing more to read.
          share && q.state.error?.data?.code === 'NOT_FOUND'
            ? false
            : polling
              ? POLL_MS
              : SAFETY_POLL_MS,
        refetchIntervalInBackground: true,
      },
    ),
  );
  const refetchSummary = query.refetch;
  const behind =
    progress.data !== undefined && summary !== undefined && progress.data.seq > summary.seq;
  const checkedAt = progress.dataUpdatedAt;
  // biome-ignore lint/correctness/useExhaustiveDependencies: each poll answer re-checks (a failed re-read is retried)
  useEffect(() => {
    if (behind) void refetchSummary();
  }, [behind, checkedAt, refetchSummary]);
  return runId === null ? undefined : summary;
}

export type RunDetail = NonNullable<ReturnType<typeof useRunState>>;
