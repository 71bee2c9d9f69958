import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import superjson from 'superjson';
import type { AppRouter } from '@/server/api/root';
import type { WorkspaceRole } from '@/server/auth/roles';

/** Anything with the address of a running app (tests/helpers/app.ts's RunningApp). */
export interface AppAddress {
  url: string;
}

/** A signed-in person of a running app: their session cookie and how they signed up. */
export interface Session {
  name: string;
  email: string;
  password: string;
  role: WorkspaceRole;
  /** `pipewright.session_token=…`, as a Cookie header. */
  cookie: string;
}

export const TEST_PASSWORD = 'correct horse battery';

/** The Cookie header value from a response's Set-Cookie lines. */
function sessionCookieOf(response: Response): string {
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .find((pair) => pair.startsWith('pipewright.session_token='));
  if (!cookie) throw new Error(`no session cookie in the answer (HTTP ${response.status})`);
  return cookie;
}

/** POSTs to better-auth as our own pages do (same Origin). */
async function authPost(app: AppAddress, path: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}/api/auth${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify(body),
  });
}

async function signUp(
  app: AppAddress,
  who: { name: string; email: string },
  inviteToken?: string,
): Promise<Response> {
  return authPost(app, '/sign-up/email', {
    ...who,
    password: TEST_PASSWORD,
    ...(inviteToken ? { inviteToken } : {}),
  });
}

/** Creates the first account of a fresh instance: the owner. */
export async function signUpOwner(
  app: AppAddress,
  who = { name: 'Olivia Owner', email: 'owner@example.com' },
): Promise<Session> {
  const response = await signUp(app, who);
  if (!response.ok) throw new Error(`owner sign-up failed: ${await response.text()}`);
  return { ...who, password: TEST_PASSWORD, role: 'owner', cookie: sessionCookieOf(response) };
}

/** Signs in with email and password (a new session). */
export async function signIn(app: AppAddress, email: string, password = TEST_PASSWORD) {
  return authPost(app, '/sign-in/email', { email, password });
}

/** The owner invites someone with `role`, who signs up through the link. */
export async function inviteMember(
  app: AppAddress,
  owner: Session,
  role: WorkspaceRole,
  who = { name: `${role[0]!.toUpperCase()}${role.slice(1)} Member`, email: `${role}@example.com` },
): Promise<Session> {
  const { url } = await sessionClient(app, owner).members.invite.mutate({ role });
  const token = new URL(url).pathname.split('/').at(-1)!;
  const response = await signUp(app, who, token);
  if (!response.ok) throw new Error(`${role} sign-up failed: ${await response.text()}`);
  return { ...who, password: TEST_PASSWORD, role, cookie: sessionCookieOf(response) };
}

/** An owner, an editor and a viewer of one app (made once per app, then reused). */
export interface Team {
  owner: Session;
  editor: Session;
  viewer: Session;
}
const teams = new Map<string, Promise<Team>>();

export function teamOf(app: AppAddress): Promise<Team> {
  let team = teams.get(app.url);
  if (!team) {
    team = (async () => {
      const owner = await signUpOwner(app);
      const editor = await inviteMember(app, owner, 'editor');
      const viewer = await inviteMember(app, owner, 'viewer');
      return { owner, editor, viewer };
    })();
    teams.set(app.url, team);
  }
  return team;
}

/**
 * A tRPC client calling as `session` — cookie plus our own Origin, as the
 * app's pages do — or anonymously (no session).
 */
export function sessionClient(app: AppAddress, session?: Session): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${app.url}/api/trpc`,
        transformer: superjson,
        headers: session ? { cookie: session.cookie, origin: app.url } : { origin: app.url },
      }),
    ],
  });
}

/** A tRPC client calling with an API key, as programs and the CLI do. */
export function apiKeyClient(app: AppAddress, key: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${app.url}/api/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${key}` },
      }),
    ],
  });
}

/** A browser context already signed in as `session`. */
export async function signedInContext(
  browser: Browser,
  app: AppAddress,
  session: Session,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const eq = session.cookie.indexOf('=');
  await context.addCookies([
    {
      name: session.cookie.slice(0, eq),
      value: session.cookie.slice(eq + 1),
      url: app.url,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ]);
  return context;
}
