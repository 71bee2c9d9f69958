'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { apiErrorDetails } from '@/app/_lib/api-errors';
import { useShareToken } from '@/app/_lib/run-access';
import { useTRPC } from '@/app/_lib/trpc';
import { JsonViewer } from './json-viewer';

/**
 * A task's config, output or input in the JSON viewer. Small values came with the
 * task's detail; a big one (over 64 KB) is fetched only when the user asks.
 */
export function TaskValue({
  runId,
  nodeId,
  field,
  label,
  testId,
  bytes,
  deferred,
  value,
  version,
}: {
  runId: string;
  nodeId: string;
  field: 'output' | 'resolvedConfig' | 'item';
  label: string;
  testId: string;
  bytes: number | null;
  deferred: boolean;
  value: unknown;
  version: string;
}) {
  const trpc = useTRPC();
  const share = useShareToken();
  const [requested, setRequested] = useState(false);
  const big = useQuery(
    trpc.runs.taskValue.queryOptions(
      { runId, nodeId, field, share },
      { enabled: deferred && requested, staleTime: 0 },
    ),
  );
  const refetchBig = big.refetch;
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read a loaded value when the task moves
  useEffect(() => {
    if (deferred && requested) void refetchBig();
  }, [version]);
  return (
    <JsonViewer
      label={label}
      testId={testId}
      bytes={bytes}
      loaded={
        !deferred
          ? { status: 'loaded', value }
          : big.data !== undefined
            ? { status: 'loaded', value: big.data }
            : { status: 'deferred' }
      }
      onLoad={() => setRequested(true)}
      loading={big.isFetching}
      loadError={big.error ? apiErrorDetails(big.error).message : null}
    />
  );
}
