'use client';

import { createContext, type ReactNode, useContext } from 'react';
import type { PageViewer } from '@/server/auth/page-session';
import { roleAllows, type WorkspaceRole } from '@/server/auth/roles';

const SessionContext = createContext<PageViewer | null>(null);

/** The signed-in person, read once by the root layout on the server. */
export function SessionProvider({
  viewer,
  children,
}: {
  viewer: PageViewer | null;
  children: ReactNode;
}) {
  return <SessionContext.Provider value={viewer}>{children}</SessionContext.Provider>;
}

export function useViewer(): PageViewer | null {
  return useContext(SessionContext);
}

/**
 * Whether the signed-in person's role allows `needed`; the UI hides what
 * they cannot do (the API refuses it anyway).
 */
export function useCan(needed: WorkspaceRole): boolean {
  return roleAllows(useViewer()?.role, needed);
}
