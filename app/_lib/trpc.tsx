'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, isTRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '@/server/api/root';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * A session that ended (signed out elsewhere, expired, member removed) makes
 * every call UNAUTHORIZED: go to sign-in and come back here afterwards.
 */
function signInAgainIfSignedOut(error: unknown) {
  if (!isTRPCClientError(error) || error.data?.code !== 'UNAUTHORIZED') return;
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/sign-in?next=${encodeURIComponent(here)}`);
}

function makeQueryClient() {
  return new QueryClient({
    queryCache: new QueryCache({ onError: signInAgainIfSignedOut }),
    mutationCache: new MutationCache({ onError: signInAgainIfSignedOut }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // A refusal is an answer, not a hiccup.
        retry: (failures, error) =>
          failures < 1 &&
          !(isTRPCClientError(error) && ['UNAUTHORIZED', 'FORBIDDEN'].includes(error.data?.code)),
        refetchOnWindowFocus: false,
      },
    },
  });
}

export function Providers({ children }: { children: React.ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: '/api/trpc', transformer: superjson })],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
