import type { Runtime } from '@/server/runtime';
import { authenticateApiKey } from './api-keys';
import { getAuth } from './auth';
import { isWorkspaceRole, roleAllows, type WorkspaceRole } from './roles';
import { isSameOriginRequest } from './same-origin';

export interface CallerUser {
  id: string;
  name: string;
  email: string;
}

/**
 * Who is asking. `system` is trusted in-process code that never came over
 * HTTP — the CLI's local mode, tests, benchmarks — and acts as an owner.
 */
export type Caller =
  | { kind: 'anonymous'; reason?: string }
  | { kind: 'user'; user: CallerUser; role: WorkspaceRole; via: 'session' | 'api-key' }
  | { kind: 'system' };

export type SignedInCaller = Exclude<Caller, { kind: 'anonymous' }>;

export const anonymousCaller: Caller = { kind: 'anonymous' };
export const systemCaller: Caller = { kind: 'system' };

export const API_KEY_REFUSED = 'API key revoked or unknown';

export function callerRole(caller: Caller): WorkspaceRole | null {
  if (caller.kind === 'system') return 'owner';
  if (caller.kind === 'user') return caller.role;
  return null;
}

export function callerCan(caller: Caller, needed: WorkspaceRole): boolean {
  return roleAllows(callerRole(caller), needed);
}

/** A name for records such as "approved by": the person (in-process code has none). */
export function callerName(caller: Caller): string | null {
  return caller.kind === 'user' ? caller.user.name || caller.user.email : null;
}

export interface RequestCaller {
  caller: Caller;
  /**
   * A cookie-authenticated request that did not come from our own pages;
   * it may read, but anything that changes state is refused (CSRF).
   */
  crossSite: boolean;
}

/**
 * The caller behind an HTTP request: `Authorization: Bearer pw_…` (an API
 * key), else the session cookie, else anonymous. A bad key never falls back
 * to the cookie: it is refused with a reason the CLI can show.
 */
export async function callerFromRequest(
  runtime: Runtime,
  request: Request,
): Promise<RequestCaller> {
  return callerFromHeaders(runtime, request.headers);
}

/** The same, from the headers alone (server components have no Request). */
export async function callerFromHeaders(
  runtime: Runtime,
  headers: Headers,
): Promise<RequestCaller> {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const found = match ? await authenticateApiKey(runtime.db, match[1]!) : null;
    if (!found) return { caller: { kind: 'anonymous', reason: API_KEY_REFUSED }, crossSite: false };
    return {
      caller: { kind: 'user', user: found.user, role: found.role, via: 'api-key' },
      crossSite: false,
    };
  }
  const session = await getAuth(runtime).api.getSession({ headers });
  if (!session) return { caller: anonymousCaller, crossSite: false };
  const { user } = session;
  const role = (user as { role?: unknown }).role;
  return {
    caller: {
      kind: 'user',
      user: { id: user.id, name: user.name, email: user.email },
      // A malformed role grants nothing beyond reading.
      role: isWorkspaceRole(role) ? role : 'viewer',
      via: 'session',
    },
    crossSite: !isSameOriginRequest(headers),
  };
}
