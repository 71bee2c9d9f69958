'use client';

import { useQuery } from '@tanstack/react-query';
import type { TaskTypeDescription } from '@/server/tasks/describe';
import { useTRPC } from './trpc';

export type { TaskTypeDescription };

/**
 * The task types this server knows (`catalog.list`), with each type's config
 * as JSON Schema. Custom types exist only on the server, so the palette and
 * the config forms are built from this. It changes only with a deploy.
 */
export function useTaskCatalog(initialCatalog?: TaskTypeDescription[]) {
  const trpc = useTRPC();
  return useQuery(
    trpc.catalog.list.queryOptions(undefined, {
      staleTime: Number.POSITIVE_INFINITY,
      // The flow page's server component reads it with the page.
      initialData: initialCatalog,
    }),
  );
}
