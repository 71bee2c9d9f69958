import { createTRPCClient, httpLink, isTRPCClientError, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '@/server/api/root';
import type { Credentials } from './credentials';
import { CliError } from './output';

export type RemoteApi = TRPCClient<AppRouter>;

/** A tRPC client for a Pipewright server, authenticated by an API key. */
export function remoteApi(credentials: Credentials): RemoteApi {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${credentials.url}/api/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${credentials.key}` },
      }),
    ],
  });
}

/**
 * Runs one remote call, turning API errors into one-line CLI errors: a
 * refused key says so ("API key revoked or unknown"), an unreachable server
 * names its address, a rejected input keeps the server's message.
 */
export async function remote<T>(credentials: Credentials, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isTRPCClientError<AppRouter>(err)) throw err;
    const code = err.data?.code;
    if (code === 'UNAUTHORIZED' || code === 'FORBIDDEN') {
      throw new CliError(`${err.message} (${credentials.url})`);
    }
    if (!code) {
      const cause = (err.cause as Error | undefined)?.message ?? err.message;
      throw new CliError(`cannot reach ${credentials.url}: ${cause}`);
    }
    throw new CliError(err.message.replace(/\n/g, '\n  '));
  }
}
