'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { useShareToken } from '@/app/_lib/run-access';
import { useTRPCClient } from '@/app/_lib/trpc';
import type { LogLevel } from '@/db/schema/runs';

/** Lines fetched per page (keyset on the line id). */
const PAGE = 500;
/** How often the tail is read while the run goes on. */
const FOLLOW_MS = 1000;

export interface LogLine {
  id: number;
  level: LogLevel;
  message: string;
  at: Date;
  attempt: number | null;
  taskRunId: string | null;
  nodeId: string | null;
}

export interface LogFilter {
  runId: string;
  taskRunId?: string;
  minLevel: LogLevel;
  search: string;
}

export interface LogWindow {
  lines: readonly LogLine[];
  /** The first read has not answered yet. */
  loading: boolean;
  /** Older lines exist before the first one held. */
  hasOlder: boolean;
  /** Newer lines exist after the last one held (the window is not at the tail). */
  hasNewer: boolean;
  loadOlder(): Promise<number>;
  loadNewer(): Promise<void>;
  jumpToStart(): Promise<void>;
  jumpToEnd(): Promise<void>;
  /** Bumped each time the window is replaced (not grown), so the view can reset its scroll. */
  generation: number;
  /** Why the last read failed, until one succeeds. */
  error: string | null;
}

/**
 * A window onto a run's log, however long: it starts at the tail (newest
 * 500 lines, filtered on the server), grows a page at a time towards older
 * or newer lines as the view scrolls, and while the run goes on reads new
 * lines after the last one every second (only when the window holds the
 * tail). Every read is a keyset page (`afterId` / `beforeId`), never an
 * offset, so page 200 of a 100,000-line log costs what page 1 does.
 */
export function useLogWindow(filter: LogFilter, live: boolean): LogWindow {
  const client = useTRPCClient();
  const [state, setState] = useState<{
    lines: LogLine[];
    loading: boolean;
    hasOlder: boolean;
    hasNewer: boolean;
    generation: number;
    error: string | null;
  }>({ lines: [], loading: true, hasOlder: false, hasNewer: false, generation: 0, error: null });
  // A failed read is shown, never left as an unhandled rejection.
  const failed = useCallback((err: unknown) => {
    const error = err instanceof Error ? err.message : String(err);
    setState((s) => ({ ...s, loading: false, error }));
  }, []);
  const current = useRef(state);
  current.current = state;
  /** Reads in flight belong to this filter; answers for an older one are dropped. */
  const epoch = useRef(0);
  /** A read in flight at each end (the two ends never wait for each other). */
  const busy = useRef({ older: false, newer: false });
  const { runId, taskRunId, minLevel, search } = filter;
  // Through a share link every read carries its token.
  const share = useShareToken();

  const read = useCallback(
    (page: { afterId?: number; beforeId?: number; tail?: boolean }, limit = PAGE) =>
      client.runs.logs.query({
        runId,
        ...(taskRunId ? { taskRunId } : {}),
        ...(minLevel !== 'debug' ? { minLevel } : {}),
        ...(search.trim() ? { search: search.trim() } : {}),
        ...page,
        limit,
        share,
      }),
    [client, runId, taskRunId, minLevel, search, share],
  );

  const replace = useCallback(
    async (from: 'start' | 'end') => {
      // A new epoch: answers to reads made for the old window are dropped.
      const mine = ++epoch.current;
      busy.current = { older: true, newer: true };
      try {
        const lines = await read(from === 'end' ? { tail: true } : {});
        if (mine !== epoch.current) return;
        setState((s) => ({
          lines,
          loading: false,
          hasOlder: from === 'end' && lines.length === PAGE,
          hasNewer: from === 'start' && lines.length === PAGE,
          generation: s.generation + 1,
          error: null,
        }));
      } catch (err) {
        if (mine === epoch.current) failed(err);
      } finally {
        if (mine === epoch.current) busy.current = { older: false, newer: false };
      }
    },
    [read, failed],
  );

  // A new filter: a fresh window at the tail.
  useEffect(() => {
    void replace('end');
  }, [replace]);

  const loadOlder = useCallback(async () => {
    const { lines, hasOlder } = current.current;
    const first = lines[0];
    if (!hasOlder || !first || busy.current.older) return 0;
    const mine = epoch.current;
    busy.current.older = true;
    try {
      const older = await read({ beforeId: first.id });
      if (mine !== epoch.current) return 0;
      setState((s) => ({
        ...s,
        lines: [...older, ...s.lines],
        hasOlder: older.length === PAGE,
        error: null,
      }));
      return older.length;
    } catch (err) {
      if (mine === epoch.current) failed(err);
      return 0;
    } finally {
      if (mine === epoch.current) busy.current.older = false;
    }
  }, [read, failed]);

  const appendNewer = useCallback(
    async (follow: boolean) => {
      const { lines, hasNewer, loading } = current.current;
      if (loading || busy.current.newer || (!follow && !hasNewer) || (follow && hasNewer)) return;
      const mine = epoch.current;
      busy.current.newer = true;
      try {
        const newer = await read({ afterId: lines.at(-1)?.id ?? 0 }, follow ? 5000 : PAGE);
        if (mine !== epoch.current || newer.length === 0) return;
        setState((s) => ({
          ...s,
          lines: [...s.lines, ...newer],
          hasNewer: !follow && newer.length === PAGE,
          error: null,
        }));
      } catch (err) {
        if (mine === epoch.current) failed(err);
      } finally {
        if (mine === epoch.current) busy.current.newer = false;
      }
    },
    [read, failed],
  );

  // Following the tail: new lines while the run goes on, and once more a
  // second after it ends (in case a read was in flight when it ended).
  useEffect(() => {
    void appendNewer(true);
    if (!live) {
      const last = setTimeout(() => void appendNewer(true), FOLLOW_MS);
      return () => clearTimeout(last);
    }
    const timer = setInterval(() => void appendNewer(true), FOLLOW_MS);
    return () => clearInterval(timer);
  }, [live, appendNewer]);

  return {
    ...state,
    loadOlder,
    loadNewer: useCallback(() => appendNewer(false), [appendNewer]),
    jumpToStart: useCallback(() => replace('start'), [replace]),
    jumpToEnd: useCallback(() => replace('end'), [replace]),
  };
}
