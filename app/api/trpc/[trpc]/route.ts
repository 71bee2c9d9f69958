import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { createRequestContext } from '@/server/api/trpc';

export const dynamic = 'force-dynamic';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    // The session cookie or `Authorization: Bearer pw_…` decides who calls.
    createContext: () => createRequestContext(req),
  });

// tRPC refuses other methods itself (405 METHOD_NOT_SUPPORTED, in its error format).
export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
