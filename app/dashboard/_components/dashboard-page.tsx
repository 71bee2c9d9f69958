'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { ButtonLink } from '@/app/_components/button';
import { ClockIcon, WorkflowIcon } from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';
import { HOLD_EARLY_CLICKS } from '@/app/_lib/early-clicks';
import { formatDuration } from '@/app/_lib/format-duration';
import { useTRPC } from '@/app/_lib/trpc';
import type { DashboardRange } from '@/server/dashboard/schemas';
import { bucketLabels } from './bucket-labels';
import { ChartLegend } from './chart-legend';
import { DurationLineChart, type LineSeries } from './line-chart';
import { StackedBarChart } from './stacked-bar-chart';
import { stateSeries } from './state-colors';

const RANGES: { key: DashboardRange; label: string; long: string }[] = [
  { key: '24h', label: '24 h', long: 'the last 24 hours' },
  { key: '7d', label: '7 days', long: 'the last 7 days' },
  { key: '30d', label: '30 days', long: 'the last 30 days' },
];

const durationSeries: LineSeries[] = [
  { key: 'p50', label: 'p50 (median)', color: '#4f46e5' },
  { key: 'p95', label: 'p95', color: '#f59e0b', dashed: true },
];

/** Charts refresh on their own, so a dashboard left open stays current. */
const REFRESH_MS = 30_000;

/** Runs over time by state and a flow's duration trend, for a chosen range. */
export function DashboardPage() {
  const trpc = useTRPC();
  const [range, setRange] = useState<DashboardRange>('24h');
  const [flowId, setFlowId] = useState<string | undefined>();
  // East-positive minutes, so day bars start at the viewer's midnight.
  const [utcOffsetMinutes] = useState(() => -new Date().getTimezoneOffset());
  const rangeText = RANGES.find((r) => r.key === range)!.long;

  const counts = useQuery(
    trpc.dashboard.runCounts.queryOptions(
      { range, utcOffsetMinutes },
      { placeholderData: keepPreviousData, refetchInterval: REFRESH_MS },
    ),
  );
  const durations = useQuery(
    trpc.dashboard.durationTrend.queryOptions(
      { range, utcOffsetMinutes, ...(flowId ? { flowId } : {}) },
      { placeholderData: keepPreviousData, refetchInterval: REFRESH_MS },
    ),
  );
  const flows = useQuery(trpc.flows.list.queryOptions());

  const buckets = counts.data?.buckets ?? [];
  const stateTotals = Object.fromEntries(
    stateSeries.map((s) => [s.key, buckets.reduce((n, b) => n + b.byState[s.key], 0)]),
  ) as Record<(typeof stateSeries)[number]['key'], number>;
  const total = buckets.reduce((n, b) => n + b.total, 0);
  const finished =
    stateTotals.completed + stateTotals.failed + stateTotals.crashed + stateTotals.cancelled;
  const active =
    stateTotals.running + stateTotals.pending + stateTotals.scheduled + stateTotals.cancelling;
  const shownSeries = stateSeries.filter((s) => stateTotals[s.key] > 0);

  const durationBuckets = durations.data?.buckets ?? [];
  const hasDurations = durationBuckets.some((b) => b.p50 !== null);
  const shownFlowId = flowId ?? durations.data?.flow?.id;

  return (
    <div className="mx-auto flex max-w-7xl flex-col gap-6 px-6 py-8" data-testid="dashboard">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold text-slate-900">Dashboard</h1>
          <p className="mt-1 text-sm text-slate-500">How your flows ran over {rangeText}.</p>
        </div>
        <fieldset
          className="inline-flex rounded-lg bg-slate-100 p-0.5 ring-1 ring-inset ring-slate-200"
          aria-label="Time range"
        >
          {RANGES.map((r) => (
            <button
              key={r.key}
              type="button"
              aria-pressed={range === r.key}
              onClick={() => setRange(r.key)}
              data-testid={`dashboard-range-${r.key}`}
              {...HOLD_EARLY_CLICKS}
              className={cn(
                'rounded-md px-3 py-1.5 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-indigo-600',
                range === r.key
                  ? 'bg-white text-slate-900 shadow-sm ring-1 ring-slate-200'
                  : 'text-slate-600 hover:text-slate-900',
              )}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
      </div>

      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="dashboard-totals">
        <Stat label="Runs" value={total.toLocaleString()} testId="stat-runs" />
        <Stat
          label="Success rate"
          value={finished === 0 ? '—' : `${Math.round((stateTotals.completed / finished) * 100)}%`}
          hint={
            finished === 0 ? 'No finished runs' : `${stateTotals.completed} of ${finished} finished`
          }
          testId="stat-success"
        />
        <Stat
          label="Failed or crashed"
          value={(stateTotals.failed + stateTotals.crashed).toLocaleString()}
          tone={stateTotals.failed + stateTotals.crashed > 0 ? 'bad' : undefined}
          testId="stat-failed"
        />
        <Stat label="In progress" value={active.toLocaleString()} testId="stat-active" />
      </dl>

      <section
        className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs"
        aria-labelledby="runs-over-time"
      >
        <div className="mb-4 flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 id="runs-over-time" className="text-sm font-semibold text-slate-900">
              Runs over time
            </h2>
            <p className="text-xs text-slate-500">
              By state, per {counts.data?.bucket ?? (range === '24h' ? 'hour' : 'day')}. Click a bar
              to list its runs.
            </p>
          </div>
          {shownSeries.length > 0 && (
            <ChartLegend
              data-testid="runs-chart-legend"
              items={shownSeries.map((s) => ({
                ...s,
                value: stateTotals[s.key].toLocaleString(),
              }))}
            />
          )}
        </div>
        {counts.isPending ? (
          <ChartSkeleton />
        ) : counts.isError ? (
          <p className="py-16 text-center text-sm text-red-700">Could not load the run counts.</p>
        ) : total === 0 ? (
          <ChartEmpty
            data-testid="runs-chart-empty"
            title={`No runs in ${rangeText}`}
            icon={<WorkflowIcon className="size-5" />}
          >
            Runs appear here as they start — from the editor's Run button, a schedule, a webhook,
            the API or the CLI.{' '}
            <Link href="/" className="font-medium text-indigo-600 hover:underline">
              Open a flow
            </Link>{' '}
            to run it.
          </ChartEmpty>
        ) : (
          <StackedBarChart
            data-testid="runs-chart"
            label={`Runs per ${counts.data.bucket} over ${rangeText}, by state`}
            series={stateSeries}
            bars={buckets.map((b) => {
              const labels = bucketLabels(b.start, counts.data.bucket);
              return {
                key: b.start.toISOString(),
                axisLabel: labels.axis,
                title: labels.title,
                values: b.byState,
                href: runsHref({ from: b.start, to: bucketEnd(b.start, counts.data.bucket) }),
              };
            })}
          />
        )}
      </section>

      <section
        className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs"
        aria-labelledby="duration-trend"
      >
        <div className="mb-4 flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 id="duration-trend" className="text-sm font-semibold text-slate-900">
              Duration trend
            </h2>
            <p className="text-xs text-slate-500">
              Start to end of completed runs: median and 95th percentile per{' '}
              {durations.data?.bucket ?? (range === '24h' ? 'hour' : 'day')}.
            </p>
          </div>
          <div className="flex flex-wrap items-center gap-4">
            {hasDurations && (
              <ChartLegend items={durationSeries} data-testid="duration-chart-legend" />
            )}
            <label className="flex items-center gap-2 text-xs text-slate-600">
              Flow
              <select
                className="h-8 max-w-56 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-700"
                value={shownFlowId ?? ''}
                onChange={(e) => setFlowId(e.target.value || undefined)}
                data-testid="duration-flow"
              >
                {!shownFlowId && <option value="">Busiest flow</option>}
                {(flows.data ?? []).map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
                {durations.data?.flow &&
                  !(flows.data ?? []).some((f) => f.id === durations.data?.flow?.id) && (
                    <option value={durations.data.flow.id}>{durations.data.flow.name}</option>
                  )}
              </select>
            </label>
          </div>
        </div>
        {durations.isPending ? (
          <ChartSkeleton />
        ) : durations.isError ? (
          <p className="py-16 text-center text-sm text-red-700">Could not load the durations.</p>
        ) : !hasDurations ? (
          <ChartEmpty
            data-testid="duration-chart-empty"
            title={
              durations.data.flow
                ? `${durations.data.flow.name} completed no runs in ${rangeText}`
                : `No completed runs in ${rangeText}`
            }
            icon={<ClockIcon className="size-5" />}
          >
            Durations are measured on completed runs; pick another flow or a longer range.
          </ChartEmpty>
        ) : (
          <DurationLineChart
            data-testid="duration-chart"
            label={`Duration of ${durations.data.flow?.name ?? 'the flow'}'s completed runs per ${durations.data.bucket}, median and 95th percentile`}
            series={durationSeries}
            points={durationBuckets.map((b) => {
              const labels = bucketLabels(b.start, durations.data.bucket);
              return {
                key: b.start.toISOString(),
                axisLabel: labels.axis,
                title: labels.title,
                values: { p50: b.p50, p95: b.p95 },
                runs: b.runs,
                href: runsHref({
                  flow: durations.data.flow?.id,
                  state: 'completed',
                  from: b.start,
                  to: bucketEnd(b.start, durations.data.bucket),
                }),
              };
            })}
          />
        )}
        {hasDurations && durations.data?.flow && (
          <p className="mt-3 text-xs text-slate-500">
            Typical run of {durations.data.flow.name}:{' '}
            <span className="font-medium text-slate-700" data-testid="duration-typical">
              {formatDuration(medianOf(durationBuckets.map((b) => b.p50)))}
            </span>{' '}
            ·{' '}
            <ButtonLink
              href={`/runs?flow=${durations.data.flow.id}`}
              variant="ghost"
              size="sm"
              className="h-auto px-1 py-0 text-xs text-indigo-600"
            >
              See its runs
            </ButtonLink>
          </p>
        )}
      </section>
    </div>
  );
}

function bucketEnd(start: Date, bucket: 'hour' | 'day'): Date {
  return new Date(start.getTime() + (bucket === 'hour' ? 3_600_000 : 86_400_000));
}

/** The runs list with filters in its URL (see app/runs/page.tsx). */
function runsHref(filters: { flow?: string; state?: string; from: Date; to: Date }): string {
  const query = new URLSearchParams();
  if (filters.flow) query.set('flow', filters.flow);
  if (filters.state) query.set('state', filters.state);
  query.set('from', filters.from.toISOString());
  query.set('to', filters.to.toISOString());
  return `/runs?${query}`;
}

/** The median of the bars' medians: a rough "typical run" for the caption. */
function medianOf(values: (number | null)[]): number {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function Stat({
  label,
  value,
  hint,
  tone,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  tone?: 'bad';
  testId: string;
}) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-xs">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd
        className={cn(
          'mt-1 text-2xl font-semibold tabular-nums',
          tone === 'bad' ? 'text-red-600' : 'text-slate-900',
        )}
        data-testid={testId}
      >
        {value}
      </dd>
      {hint && <dd className="mt-0.5 text-xs text-slate-500">{hint}</dd>}
    </div>
  );
}

function ChartSkeleton() {
  return (
    <div
      className="flex h-[220px] items-end gap-2 px-10 pb-6"
      role="status"
      aria-busy="true"
      aria-label="Loading chart"
    >
      {[40, 65, 30, 80, 55, 70, 45, 60, 35, 75, 50, 68].map((h, i) => (
        <div
          key={i}
          className="flex-1 animate-pulse rounded-t bg-slate-100"
          style={{ height: `${h}%` }}
        />
      ))}
    </div>
  );
}

function ChartEmpty({
  title,
  icon,
  children,
  'data-testid': testId,
}: {
  title: string;
  icon: React.ReactNode;
  children: React.ReactNode;
  'data-testid'?: string;
}) {
  return (
    <div
      className="flex h-[220px] flex-col items-center justify-center rounded-lg border border-dashed border-slate-200 bg-slate-50/50 px-6 text-center"
      data-testid={testId}
    >
      <div className="mb-3 flex size-10 items-center justify-center rounded-xl bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100">
        {icon}
      </div>
      <p className="text-sm font-medium text-slate-900">{title}</p>
      <p className="mt-1 max-w-md text-xs leading-5 text-slate-500">{children}</p>
    </div>
  );
}
