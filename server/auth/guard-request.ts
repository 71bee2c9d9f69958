import { getRuntime } from '@/server/runtime';
import { type Caller, callerCan, callerFromRequest, callerRole } from './caller';
import type { WorkspaceRole } from './roles';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The check every route handler outside tRPC starts with:
 *
 *   const auth = await authorizeRequest(request, 'viewer');
 *   if (!auth.ok) return auth.response;
 *
 * 401 without a valid session or API key, 403 when the role is too weak or
 * a cookie-authenticated change comes from another site. Responses carry a
 * one-line reason and never a stack.
 */
export async function authorizeRequest(
  request: Request,
  needed: WorkspaceRole,
): Promise<{ ok: true; caller: Caller } | { ok: false; response: Response }> {
  const { caller, crossSite } = await callerFromRequest(getRuntime(), request);
  if (caller.kind === 'anonymous') {
    return { ok: false, response: refusal(401, caller.reason ?? 'Sign in first') };
  }
  if (crossSite && !SAFE_METHODS.has(request.method)) {
    return { ok: false, response: refusal(403, 'Cross-site request refused') };
  }
  if (!callerCan(caller, needed)) {
    return {
      ok: false,
      response: refusal(403, `This needs the ${needed} role (you are ${callerRole(caller)})`),
    };
  }
  return { ok: true, caller };
}

function refusal(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { 'cache-control': 'no-store' } });
}
