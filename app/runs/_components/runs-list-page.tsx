'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useDeferredValue, useEffect, useState } from 'react';
import { Button } from '@/app/_components/button';
import { RelativeTime } from '@/app/_components/relative-time';
import { RunStateBadge } from '@/app/_components/run-state-badge';
import { elapsedMs, formatDuration, summarizeParams } from '@/app/_lib/format-duration';
import { useTRPC } from '@/app/_lib/trpc';
import { filtersFromQuery, filtersToQuery } from './run-filters-url';
import { type RunFilters, RunsFilters } from './runs-filters';

/**
 * Every run, newest first, filtered, a page at a time ("Load more"). The
 * filters live in the URL too, so a filtered list can be shared or linked.
 */
export function RunsListPage({
  pageSize,
  initialQuery,
}: {
  pageSize: number;
  initialQuery: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [filters, setFilters] = useState<RunFilters>(() =>
    filtersFromQuery(new URLSearchParams(initialQuery)),
  );
  const search = useDeferredValue(filters.search.trim());
  useEffect(() => {
    const query = new URLSearchParams(filtersToQuery({ ...filters, search }));
    const limit = new URLSearchParams(window.location.search).get('limit');
    if (limit) query.set('limit', limit);
    const url = `${window.location.pathname}${query.size ? `?${query}` : ''}`;
    if (url !== `${window.location.pathname}${window.location.search}`)
      window.history.replaceState(null, '', url);
  }, [filters, search]);
  const runs = useInfiniteQuery(
    trpc.runs.list.infiniteQueryOptions(
      {
        limit: pageSize,
        ...(filters.flowId ? { flowId: filters.flowId } : {}),
        ...(filters.state ? { state: filters.state } : {}),
        ...(filters.trigger ? { trigger: filters.trigger } : {}),
        ...(filters.from ? { from: filters.from } : {}),
        // A range that ends before it starts is ignored until it is fixed.
        ...(filters.to && (!filters.from || filters.to > filters.from) ? { to: filters.to } : {}),
        ...(search ? { search } : {}),
      },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const rows = runs.data?.pages.flatMap((p) => p.runs) ?? [];

  return (
    <div className="mx-auto flex max-w-7xl flex-col gap-4 px-6 py-8">
      <h1 className="text-xl font-semibold text-slate-900">Runs</h1>
      <RunsFilters filters={filters} onChange={setFilters} />
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-xs">
        <table
          className="w-full text-sm"
          data-testid="runs-table"
          data-loading={runs.isFetching ? 'true' : undefined}
        >
          <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs font-medium text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">Flow</th>
              <th className="px-4 py-2.5 font-medium">Version</th>
              <th className="px-4 py-2.5 font-medium">State</th>
              <th className="px-4 py-2.5 font-medium">Trigger</th>
              <th className="px-4 py-2.5 font-medium">Started</th>
              <th className="px-4 py-2.5 font-medium">Duration</th>
              <th className="px-4 py-2.5 font-medium">Parameters</th>
              <th className="px-4 py-2.5 text-right font-medium">Warn / Err</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((run) => {
              const ms = elapsedMs(run.startedAt, run.endedAt);
              return (
                <tr
                  key={run.id}
                  className="cursor-pointer hover:bg-slate-50"
                  data-testid="run-row"
                  data-run-id={run.id}
                  data-state={run.state}
                  onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a')) return;
                    router.push(`/runs/${run.id}`);
                  }}
                >
                  <td className="px-4 py-2">
                    <Link
                      href={`/flows/${run.flowId}`}
                      className="font-medium text-slate-900 hover:underline"
                    >
                      {run.flowName}
                    </Link>
                  </td>
                  <td
                    className="px-4 py-2 text-xs text-slate-500 tabular-nums"
                    data-testid="run-version"
                  >
                    v{run.version}
                  </td>
                  <td className="px-4 py-2">
                    <Link
                      href={`/runs/${run.id}`}
                      data-testid="run-link"
                      title={run.stateReason ?? undefined}
                    >
                      <RunStateBadge state={run.state} late={run.late} />
                    </Link>
                  </td>
                  <td className="px-4 py-2 text-slate-600" data-testid="run-trigger">
                    {triggerLabels[run.trigger] ?? run.trigger}
                  </td>
                  <td className="px-4 py-2 text-slate-600">
                    <RelativeTime date={run.startedAt ?? run.scheduledFor ?? run.createdAt} />
                  </td>
                  <td className="px-4 py-2 text-slate-600 tabular-nums">
                    {ms === null ? '—' : formatDuration(ms)}
                  </td>
                  <td className="max-w-64 truncate px-4 py-2 font-mono text-xs text-slate-600">
                    {summarizeParams(run.params, 60) || '—'}
                  </td>
                  <td
                    className="px-4 py-2 text-right text-xs tabular-nums"
                    data-testid="run-log-counts"
                    title={`${run.warningCount} warning${run.warningCount === 1 ? '' : 's'}, ${run.errorCount} error${run.errorCount === 1 ? '' : 's'} logged`}
                  >
                    <span className={run.warningCount > 0 ? 'text-amber-700' : 'text-slate-400'}>
                      {run.warningCount}
                    </span>
                    {' / '}
                    <span className={run.errorCount > 0 ? 'text-red-700' : 'text-slate-400'}>
                      {run.errorCount}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {!runs.isPending && rows.length === 0 && (
          <p className="p-6 text-center text-sm text-slate-500" data-testid="runs-empty">
            {isFiltered(filters) ? 'No runs match these filters.' : 'No runs yet.'}
          </p>
        )}
      </div>
      {runs.hasNextPage && (
        <Button
          className="self-center"
          onClick={() => void runs.fetchNextPage()}
          pending={runs.isFetchingNextPage}
          data-testid="load-more-runs"
        >
          Load more
        </Button>
      )}
    </div>
  );
}

const triggerLabels: Record<string, string> = {
  manual: 'Manual',
  schedule: 'Schedule',
  webhook: 'Webhook',
  api: 'API',
  cli: 'CLI',
  subflow: 'Subflow',
  retry: 'Retry',
};

function isFiltered(filters: RunFilters): boolean {
  return Boolean(
    filters.flowId ||
      filters.state ||
      filters.trigger ||
      filters.from ||
      filters.to ||
      filters.search.trim(),
  );
}
