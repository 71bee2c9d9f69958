'use client';

import Link from 'next/link';
import { Spinner } from '@/app/_components/button';
import { AlertIcon, CheckCircleIcon, ExternalLinkIcon, XIcon } from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { isTerminalFlowState, isTerminalTaskState } from '@/server/engine/states';

const runLabels: Record<string, string> = {
  scheduled: 'Scheduled',
  pending: 'Starting',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelling: 'Cancelling',
  cancelled: 'Cancelled',
  crashed: 'Crashed',
};

/** The run shown on the canvas: its state, progress, a link to its page, and a way to hide it. */
export function RunBar({ run, onHide }: { run: RunDetail; onHide: () => void }) {
  const done = run.tasks.filter((t) => isTerminalTaskState(t.state)).length;
  const ended = isTerminalFlowState(run.state);
  const ok = run.state === 'completed';
  return (
    <div
      className="absolute top-3 left-1/2 z-10 flex -translate-x-1/2 items-center gap-3 rounded-full bg-white py-1.5 pr-1.5 pl-3 text-[13px] whitespace-nowrap shadow-md ring-1 ring-slate-900/10"
      data-testid="run-bar"
      data-run-state={run.state}
      role="status"
    >
      <span
        className={cn(
          'flex items-center gap-1.5 font-medium',
          ok ? 'text-emerald-700' : ended ? 'text-red-700' : 'text-sky-700',
        )}
      >
        {!ended ? (
          <Spinner className="size-3" />
        ) : ok ? (
          <CheckCircleIcon className="size-4" />
        ) : (
          <AlertIcon className="size-4" />
        )}
        Run {runLabels[run.state] ?? run.state}
      </span>
      <span className="text-slate-500 tabular-nums">
        v{run.version} · {done}/{run.tasks.length} tasks done
      </span>
      <Link
        href={`/runs/${run.id}`}
        prefetch={false}
        className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:text-indigo-500"
        data-testid="open-run-page"
      >
        Open run page
        <ExternalLinkIcon className="size-3.5" />
      </Link>
      <button
        type="button"
        onClick={onHide}
        aria-label="Hide run state"
        title="Hide run state"
        className="rounded-full p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
        data-testid="hide-run"
      >
        <XIcon className="size-3.5" />
      </button>
    </div>
  );
}
