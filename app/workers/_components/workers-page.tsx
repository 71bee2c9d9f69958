'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { EmptyState } from '@/app/_components/empty-state';
import { TerminalIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import type { WorkerListItem } from '@/server/worker/list';

/** Heartbeats land every 10 s; the list follows them closely. */
const REFRESH_MS = 2000;

/** Every worker that registered: where it runs, its pools, load, and whether it is alive. */
export function WorkersPage() {
  const trpc = useTRPC();
  const workers = useQuery(
    trpc.workers.list.queryOptions(undefined, { refetchInterval: REFRESH_MS, staleTime: 0 }),
  );
  const rows = workers.data ?? [];
  const now = useSecondClock();

  return (
    <div className="mx-auto flex max-w-7xl flex-col gap-4 px-6 py-8">
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h1 className="text-xl font-semibold text-slate-900">Workers</h1>
        {rows.length > 0 && <PoolSummary rows={rows} />}
      </div>
      {workers.isPending ? (
        <p className="text-sm text-slate-500">Loading workers…</p>
      ) : rows.length === 0 ? (
        <EmptyState
          icon={<TerminalIcon className="size-5" />}
          title="No worker has started yet"
          data-testid="workers-empty"
        >
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">npm start</code>{' '}
          runs one inside the app; start more, anywhere, with{' '}
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">
            npx pipewright worker [--pool name]
          </code>
          .
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-xs">
          <table className="w-full text-sm" data-testid="workers-table">
            <thead className="border-b border-slate-200 bg-slate-50/80 text-left text-xs font-medium text-slate-500">
              <tr>
                <th className="px-4 py-2.5 font-medium">Status</th>
                <th className="px-4 py-2.5 font-medium">Worker</th>
                <th className="px-4 py-2.5 font-medium">Pools</th>
                <th className="px-4 py-2.5 font-medium">Running</th>
                <th className="px-4 py-2.5 font-medium">Version</th>
                <th className="px-4 py-2.5 font-medium">Started</th>
                <th className="px-4 py-2.5 font-medium">Last heartbeat</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((worker) => (
                <WorkerRow key={worker.id} worker={worker} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="text-xs text-slate-500">
        A worker is offline once it stops, or after 60 s without a heartbeat (it sends one every 10
        s). Workers offline for a week are removed from this list.
      </p>
    </div>
  );
}

function WorkerRow({ worker, now }: { worker: WorkerListItem; now: number }) {
  const load = worker.concurrency > 0 ? worker.runningTasks / worker.concurrency : 0;
  return (
    <tr
      data-testid="worker-row"
      data-worker-id={worker.id}
      data-online={worker.online ? 'true' : 'false'}
      className={cn(!worker.online && 'text-slate-400')}
    >
      <td className="px-4 py-2">
        <OnlineBadge worker={worker} />
      </td>
      <td className="px-4 py-2">
        <div className={cn('font-medium', worker.online ? 'text-slate-900' : 'text-slate-500')}>
          {worker.host}
        </div>
        <div className="font-mono text-xs text-slate-500">pid {worker.pid}</div>
      </td>
      <td className="px-4 py-2">
        <div className="flex flex-wrap gap-1" data-testid="worker-pools">
          {worker.pools.map((pool) => (
            <span
              key={pool}
              className="rounded-md bg-indigo-50 px-1.5 py-0.5 font-mono text-xs text-indigo-700 ring-1 ring-indigo-200 ring-inset"
            >
              {pool}
            </span>
          ))}
        </div>
      </td>
      <td className="px-4 py-2">
        <div className="flex items-center gap-2">
          <span className="tabular-nums" data-testid="worker-running">
            {worker.runningTasks} / {worker.concurrency}
          </span>
          {worker.online && (
            <span className="h-1.5 w-16 overflow-hidden rounded-full bg-slate-100" aria-hidden>
              <span
                className={cn(
                  'block h-full rounded-full',
                  load >= 1 ? 'bg-amber-500' : 'bg-sky-500',
                )}
                style={{ width: `${Math.min(100, Math.round(load * 100))}%` }}
              />
            </span>
          )}
        </div>
      </td>
      <td className="px-4 py-2 font-mono text-xs">{worker.version}</td>
      <td className="px-4 py-2">
        <RelativeTime date={worker.startedAt} />
      </td>
      <td className="px-4 py-2 tabular-nums" data-testid="worker-heartbeat">
        {secondsAgo(worker.lastHeartbeatAt, now)}
      </td>
    </tr>
  );
}

function OnlineBadge({ worker }: { worker: WorkerListItem }) {
  const label = worker.online ? 'Online' : 'Offline';
  const title = worker.online
    ? undefined
    : worker.stoppedAt
      ? `Stopped at ${worker.stoppedAt.toLocaleString()}`
      : 'No heartbeat for over 60 s: the process or its machine is gone';
  return (
    <span
      className={cn(
        'inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
        worker.online
          ? 'bg-emerald-50 text-emerald-700 ring-emerald-200'
          : 'bg-slate-100 text-slate-600 ring-slate-200',
      )}
      title={title}
      data-testid="worker-status"
    >
      <span
        className={cn('size-1.5 rounded-full', worker.online ? 'bg-emerald-500' : 'bg-slate-400')}
      />
      {label}
      {!worker.online && (
        <span className="font-normal text-slate-500">
          · {worker.stoppedAt ? 'stopped' : 'silent'}
        </span>
      )}
    </span>
  );
}

/** Online workers and free slots per pool, the numbers "why isn't this running?" uses. */
function PoolSummary({ rows }: { rows: WorkerListItem[] }) {
  const pools = new Map<string, { workers: number; busy: number; slots: number }>();
  for (const worker of rows) {
    if (!worker.online) continue;
    for (const pool of worker.pools) {
      const entry = pools.get(pool) ?? { workers: 0, busy: 0, slots: 0 };
      entry.workers++;
      entry.busy += worker.runningTasks;
      entry.slots += worker.concurrency;
      pools.set(pool, entry);
    }
  }
  const online = rows.filter((w) => w.online).length;
  return (
    <div
      className="flex flex-wrap items-center gap-2 text-xs text-slate-600"
      data-testid="pool-summary"
    >
      <span>
        {online} of {rows.length} online
      </span>
      {[...pools.entries()].map(([pool, p]) => (
        <span
          key={pool}
          className="rounded-md bg-white px-2 py-0.5 ring-1 ring-slate-200 ring-inset"
          data-pool={pool}
        >
          <span className="font-mono text-slate-800">{pool}</span>: {p.workers} worker
          {p.workers === 1 ? '' : 's'}, {p.busy}/{p.slots} busy
        </span>
      ))}
    </div>
  );
}

/** One clock for the page, ticking each second, for "4 s ago". */
function useSecondClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function secondsAgo(date: Date, now: number): string {
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}
