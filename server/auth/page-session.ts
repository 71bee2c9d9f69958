import { headers } from 'next/headers';
import { cache } from 'react';
import { getRuntime } from '@/server/runtime';
import { countUsers } from './admission';
import { callerFromHeaders } from './caller';
import { PATH_HEADER } from './public-paths';
import type { WorkspaceRole } from './roles';

/** What pages know about the person looking at them (browser-safe shape). */
export interface PageViewer {
  id: string;
  name: string;
  email: string;
  role: WorkspaceRole;
}

/**
 * The signed-in person behind this page request, or null. Read once per
 * request (React's `cache`): the root layout and a page that guards its
 * own data both ask.
 */
export const currentViewer = cache(async (): Promise<PageViewer | null> => {
  const requestHeaders = await headers();
  const { caller } = await callerFromHeaders(getRuntime(), requestHeaders);
  if (caller.kind !== 'user') return null;
  return { ...caller.user, role: caller.role };
});

/** The page being rendered, as proxy.ts reported it. */
export async function currentPagePath(): Promise<string> {
  return (await headers()).get(PATH_HEADER) ?? '/';
}

/** Where a signed-out visitor goes: sign-up on a fresh instance, else sign-in. */
export async function signInPath(next: string): Promise<string> {
  if ((await countUsers(getRuntime().db)) === 0) return '/sign-up';
  return next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}

export async function isFreshInstance(): Promise<boolean> {
  return (await countUsers(getRuntime().db)) === 0;
}
