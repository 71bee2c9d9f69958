'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '@/app/_lib/trpc';

const NONE: string[] = [];

/**
 * `vars.NAME` and `secrets.NAME` for template autocomplete: names only
 * (a secret's value never reaches the browser). Without access to either
 * list, the editor simply suggests fewer things.
 */
export function useSettingsSuggestions(): readonly string[] {
  const trpc = useTRPC();
  const options = { staleTime: 30_000, retry: false } as const;
  const secrets = useQuery(trpc.secrets.names.queryOptions(undefined, options));
  const variables = useQuery(trpc.variables.list.queryOptions(undefined, options));
  return useMemo(() => {
    if (!secrets.data && !variables.data) return NONE;
    return [
      ...(variables.data ?? []).map((v) => `vars.${v.name}`),
      ...(secrets.data ?? []).map((name) => `secrets.${name}`),
    ];
  }, [secrets.data, variables.data]);
}
