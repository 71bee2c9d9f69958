import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError } from 'better-auth/api';
import type { Database } from '@/db/client';
import { accounts, rateLimits, sessions, users, verifications } from '@/db/schema';
import { env } from '@/server/env';
import { getRuntime, type Runtime } from '@/server/runtime';
import { AdmissionRefused, admitNewUser, recordInviteAcceptance } from './admission';
import { appOrigins, CLIENT_IP_HEADER } from './same-origin';
import { authSecret } from './secret';
import { currentAuthTransaction, trackingTransactions } from './transaction-scope';

export const SIGN_IN_LIMIT = { window: 60, max: 10 };

/** The invite token a sign-up request carries (`inviteToken` in its JSON body). */
function inviteTokenOf(context: { body?: unknown } | null): string | undefined {
  const token = (context?.body as { inviteToken?: unknown } | undefined)?.inviteToken;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/**
 * better-auth, configured for Pipewright: email + password, sessions in
 * Postgres (our drizzle tables, our migrations), the sign-in rate limit in
 * Postgres too (so it holds across web processes), and the first account
 * becoming the owner while every later one needs an invite.
 */
export function createAuth(db: Database) {
  const config = env();
  const secure = config.publicUrl.startsWith('https://');
  return betterAuth({
    appName: 'Pipewright',
    baseURL: config.publicUrl,
    basePath: '/api/auth',
    secret: authSecret(),
    // In a transaction: the admission hook's decision (first owner, invite
    // used up) commits with the new user, or not at all.
    database: drizzleAdapter(trackingTransactions(db), {
      provider: 'pg',
      transaction: true,
      schema: {
        user: users,
        session: sessions,
        account: accounts,
        verification: verifications,
        rateLimit: rateLimits,
      },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128 },
    user: {
      additionalFields: {
        // Never from the client: admitNewUser decides it, owners change it.
        role: { type: 'string', input: false, required: false, defaultValue: 'viewer' },
      },
    },
    session: { expiresIn: 60 * 60 * 24 * 30, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: 60,
      max: 300,
      customRules: {
        '/sign-in/email': SIGN_IN_LIMIT,
        '/sign-up/email': SIGN_IN_LIMIT,
      },
    },
    trustedOrigins: (request) =>
      request ? appOrigins(request) : [new URL(config.publicUrl).origin],
    advanced: {
      cookiePrefix: 'pipewright',
      useSecureCookies: secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    telemetry: { enabled: false },
    databaseHooks: {
      user: {
        create: {
          async before(user, context) {
            try {
              const { role } = await admitNewUser(
                currentAuthTransaction(db),
                inviteTokenOf(context),
              );
              return { data: { ...user, role } };
            } catch (err) {
              if (err instanceof AdmissionRefused) {
                throw new APIError('FORBIDDEN', { message: err.message, code: 'INVITE_REQUIRED' });
              }
              throw err;
            }
          },
          async after(user, context) {
            const token = inviteTokenOf(context);
            if (token) await recordInviteAcceptance(db, token, user.id);
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

const KEY = Symbol.for('pipewright.auth');
type Holder = { [KEY]?: WeakMap<Runtime, Auth> };

/**
 * The auth instance of this process's runtime. Kept on globalThis like the
 * runtime itself: route handlers, the proxy and the tRPC handler are
 * bundled separately and must share one.
 */
export function getAuth(runtime: Runtime = getRuntime()): Auth {
  const holder = globalThis as Holder;
  holder[KEY] ??= new WeakMap();
  let auth = holder[KEY].get(runtime);
  if (!auth) {
    auth = createAuth(runtime.db);
    holder[KEY].set(runtime, auth);
  }
  return auth;
}
