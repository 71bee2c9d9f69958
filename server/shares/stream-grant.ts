/**
 * Requests the share events route has already authorised (by a live share
 * token) for one run. The run events route serves them without a session:
 * object identity, so nothing a client sends can forge a grant.
 */
const grants = new WeakMap<Request, string>();

export function grantRunStream(request: Request, runId: string): void {
  grants.set(request, runId);
}

export function hasRunStreamGrant(request: Request, runId: string): boolean {
  return grants.get(request) === runId;
}
