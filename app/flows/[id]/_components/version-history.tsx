'use client';

import Link from 'next/link';
import { HistoryIcon, RotateIcon } from '@/app/_components/icons';
import { RelativeTime } from '@/app/_components/relative-time';
import { cn } from '@/app/_lib/cn';

export interface FlowVersionSummary {
  version: number;
  message: string;
  createdAt: Date;
  createdBy?: string | null;
  nodeCount: number;
}

/**
 * Every saved version, newest first: who saved it, when, and why. Each
 * opens that version read-only; "Restore" saves an older one as a new version.
 */
export function VersionHistory({
  flowId,
  versions,
  shownVersion,
  latestVersion,
  loading,
  onRestore,
  className,
}: {
  flowId: string;
  versions: FlowVersionSummary[] | undefined;
  shownVersion: number;
  latestVersion: number;
  loading: boolean;
  onRestore?: (version: number) => void;
  className?: string;
}) {
  return (
    <aside
      aria-labelledby="version-history-title"
      className={cn('flex w-72 shrink-0 flex-col border-l border-slate-200 bg-white', className)}
      data-testid="version-history"
    >
      <h2
        id="version-history-title"
        className="flex items-center gap-2 border-b border-slate-200 px-4 py-3 text-sm font-semibold text-slate-900"
      >
        <HistoryIcon className="size-4 text-slate-400" />
        Version history
      </h2>
      {loading && !versions ? (
        <div className="space-y-3 p-4" aria-busy="true">
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-10 animate-pulse rounded-md bg-slate-100" />
          ))}
        </div>
      ) : (
        <ol className="min-h-0 flex-1 space-y-0.5 overflow-y-auto p-2">
          {(versions ?? []).map((v) => {
            const current = v.version === shownVersion;
            const isLatest = v.version === latestVersion;
            return (
              <li key={v.version} className="group relative">
                <Link
                  href={isLatest ? `/flows/${flowId}` : `/flows/${flowId}?version=${v.version}`}
                  aria-current={current ? 'page' : undefined}
                  data-testid="version-item"
                  data-version={v.version}
                  scroll={false}
                  className={cn(
                    'block rounded-md px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-indigo-600',
                    current
                      ? 'bg-indigo-50 ring-1 ring-indigo-200 ring-inset'
                      : 'hover:bg-slate-50',
                  )}
                >
                  <div className="flex items-center gap-2">
                    <span
                      className={cn(
                        'font-medium tabular-nums',
                        current ? 'text-indigo-700' : 'text-slate-900',
                      )}
                    >
                      v{v.version}
                    </span>
                    {isLatest && (
                      <span className="rounded bg-slate-100 px-1.5 py-px text-[11px] font-medium text-slate-600">
                        latest
                      </span>
                    )}
                    <RelativeTime
                      date={v.createdAt}
                      className="ml-auto text-xs whitespace-nowrap text-slate-500"
                    />
                  </div>
                  <p
                    className={cn(
                      'mt-0.5 line-clamp-2',
                      v.message ? 'text-slate-600' : 'text-slate-400',
                    )}
                  >
                    {v.message || 'No message'}
                  </p>
                  <p className="mt-0.5 text-xs text-slate-500">
                    {v.nodeCount} {v.nodeCount === 1 ? 'task' : 'tasks'}
                    {v.createdBy ? ` · by ${v.createdBy}` : ''}
                  </p>
                </Link>
                {onRestore && !isLatest && (
                  <button
                    type="button"
                    onClick={() => onRestore(v.version)}
                    className="absolute right-2 bottom-1.5 inline-flex items-center gap-1 rounded-md bg-white px-2 py-1 text-xs font-medium text-indigo-600 opacity-0 shadow-sm ring-1 ring-slate-200 group-focus-within:opacity-100 group-hover:opacity-100 hover:bg-indigo-50 focus-visible:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
                    data-testid="restore-version"
                    data-version={v.version}
                  >
                    <RotateIcon className="size-3" />
                    Restore
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </aside>
  );
}
