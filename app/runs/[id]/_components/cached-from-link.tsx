'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRunAccess } from '@/app/_lib/run-access';
import { useTRPC } from '@/app/_lib/trpc';

/**
 * "cached" badge linking to the run whose task produced the reused output.
 * On a share page it is only the badge: a link opens one run, not others.
 */
export function CachedFromLink({
  taskRunId,
  compact = false,
}: {
  taskRunId: string;
  compact?: boolean;
}) {
  const trpc = useTRPC();
  const team = useRunAccess().mode === 'team';
  const producer = useQuery(
    trpc.runs.taskRun.queryOptions({ id: taskRunId }, { staleTime: Infinity, enabled: team }),
  );
  const className =
    'rounded-full bg-teal-50 px-1.5 py-0.5 text-[10px] font-medium text-teal-700 ring-1 ring-teal-200 ring-inset';
  const label = compact ? 'cached' : 'cached — open the run that produced it';
  return team && producer.data ? (
    <Link
      href={`/runs/${producer.data.flowRunId}?node=${encodeURIComponent(producer.data.nodeId)}`}
      className={`${className} hover:bg-teal-100`}
      data-testid="cached-from-link"
      onClick={(e) => e.stopPropagation()}
    >
      {label}
    </Link>
  ) : (
    <span className={className}>cached</span>
  );
}
