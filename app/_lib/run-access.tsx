'use client';

import { createContext, type ReactNode, useContext } from 'react';

/**
 * How the run view was opened: by a teammate (actions, links into the app),
 * or through a read-only share link (`/share/<token>`: no actions, no links
 * out, every read carries the token). One component tree serves both; each
 * component asks here what to show and which credential to send.
 */
export type RunAccess = { mode: 'team' } | { mode: 'share'; token: string };

const RunAccessContext = createContext<RunAccess>({ mode: 'team' });

export function RunAccessProvider({
  access,
  children,
}: {
  access: RunAccess;
  children: ReactNode;
}) {
  return <RunAccessContext.Provider value={access}>{children}</RunAccessContext.Provider>;
}

export function useRunAccess(): RunAccess {
  return useContext(RunAccessContext);
}

/** The `share` token run reads must carry, or undefined for teammates. */
export function useShareToken(): string | undefined {
  const access = useRunAccess();
  return access.mode === 'share' ? access.token : undefined;
}

/** The run's live event stream: by run id for teammates, by token for a share link. */
export function runEventsPath(runId: string, share: string | undefined): string {
  return share === undefined
    ? `/api/runs/${encodeURIComponent(runId)}/events`
    : `/api/share/${encodeURIComponent(share)}/events`;
}
