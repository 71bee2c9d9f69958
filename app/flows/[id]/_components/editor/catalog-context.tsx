'use client';

import { createContext, type ReactNode, useContext, useMemo } from 'react';
import type { TaskTypeDescription } from '@/app/_lib/task-catalog';

const CatalogContext = createContext<ReadonlyMap<string, TaskTypeDescription>>(new Map());

/** The catalog by type name, for nodes, the palette and the inspector. */
export function CatalogProvider({
  types,
  children,
}: {
  types: readonly TaskTypeDescription[];
  children: ReactNode;
}) {
  const byType = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  return <CatalogContext.Provider value={byType}>{children}</CatalogContext.Provider>;
}

export function useCatalog(): ReadonlyMap<string, TaskTypeDescription> {
  return useContext(CatalogContext);
}
