/**
 * Calls to better-auth's endpoints (/api/auth/*) from our forms. Plain
 * fetch: same-origin, so the browser sends the Origin header better-auth
 * checks, and the session cookie comes back httpOnly.
 */
export async function authRequest(
  path: '/sign-in/email' | '/sign-up/email' | '/sign-out',
  body: Record<string, unknown> = {},
): Promise<{ ok: true } | { ok: false; status: number; message: string }> {
  let response: Response;
  try {
    response = await fetch(`/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, status: 0, message: 'The server could not be reached; try again' };
  }
  if (response.ok) return { ok: true };
  const data = (await response.json().catch(() => null)) as { message?: string } | null;
  return { ok: false, status: response.status, message: describeAuthError(response.status, data) };
}

function describeAuthError(status: number, data: { message?: string } | null): string {
  if (status === 429) return 'Too many attempts; wait a minute and try again';
  if (status === 401) return 'Wrong email or password';
  return data?.message ?? `The request failed (HTTP ${status})`;
}
