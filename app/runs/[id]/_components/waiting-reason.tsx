'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { ClockIcon } from '@/app/_components/icons';
import { cn } from '@/app/_lib/cn';
import { formatClock, formatCountdown } from '@/app/_lib/format-until';
import { useShareToken } from '@/app/_lib/run-access';
import { useTRPC } from '@/app/_lib/trpc';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { isTerminalFlowState } from '@/server/engine/states';
import type { WaitReason } from '@/server/runs/why';

/** While a run waits, its reason is re-read this often (a worker may come online). */
const WAITING_POLL_MS = 2000;
/** Reasons that normally clear by themselves within a moment. */
const TRANSIENT = new Set<WaitReason['kind']>(['queued', 'dispatching']);
const TRANSIENT_GRACE_MS = 3000;

/**
 * `runs.why` for a run, fresh: re-read whenever the run's snapshot changes
 * (a task moved), and every 2 s while the run as a whole waits — what it
 * waits for (a worker coming online, a slot freed in another run) does not
 * always show in this run's own events.
 */
function useWaitReasons(run: RunDetail, follow: boolean) {
  const trpc = useTRPC();
  const share = useShareToken();
  const live = !isTerminalFlowState(run.state);
  const query = useQuery(
    trpc.runs.why.queryOptions(
      { id: run.id, share },
      {
        enabled: live,
        staleTime: 0,
        refetchInterval: (q) =>
          follow &&
          live &&
          (q.state.data?.reason || run.state === 'pending' || run.state === 'scheduled')
            ? WAITING_POLL_MS
            : false,
      },
    ),
  );
  const signature = `${run.state}|${run.tasks.map((t) => `${t.state}:${t.attempt}`).join(',')}`;
  const refetch = query.refetch;
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read when a task or the run moves
  useEffect(() => {
    if (follow && live) void refetch();
  }, [signature, follow, live, refetch]);
  return live ? query.data : undefined;
}

/** A clock that ticks every second while a countdown is on screen. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

const commandLeadIn: Partial<Record<WaitReason['kind'], string>> = {
  'no-worker': 'Start one with',
  late: 'Start one with',
  due: 'Start one with',
  'workers-busy': 'Add capacity with',
  approval: 'Decide from a terminal with',
};

/** The details under a reason: until when, since when, the command, the blocking run. */
function ReasonDetails({ reason, tone }: { reason: WaitReason; tone: 'banner' | 'panel' }) {
  const now = useNow(Boolean(reason.until || reason.since));
  // A share link opens one run and changes nothing: no commands, no links to other runs.
  const team = useShareToken() === undefined;
  const parts: React.ReactNode[] = [];
  if (reason.until) {
    parts.push(
      <span key="until" data-testid="waiting-until" data-until={reason.until.toISOString()}>
        until {formatClock(reason.until, now)}{' '}
        <span className="tabular-nums">({formatCountdown(reason.until, now)})</span>
      </span>,
    );
  }
  if (reason.since) {
    parts.push(<span key="since">due at {formatClock(reason.since, now)}</span>);
  }
  if (reason.command && team) {
    parts.push(
      <span key="command">
        {commandLeadIn[reason.kind] ?? 'Run'}{' '}
        <code
          className={cn(
            'rounded px-1.5 py-0.5 font-mono text-[0.8rem] select-all',
            tone === 'banner' ? 'bg-amber-100 text-amber-950' : 'bg-slate-100 text-slate-800',
          )}
          data-testid="waiting-command"
        >
          {reason.command}
        </code>
      </span>,
    );
  }
  if (reason.blockingRunId && team) {
    parts.push(
      <Link
        key="run"
        href={`/runs/${reason.blockingRunId}`}
        className="font-medium underline underline-offset-2 hover:no-underline"
        data-testid="waiting-blocking-run"
      >
        Open run {reason.blockingRunId.slice(0, 8)}
      </Link>,
    );
  }
  if (parts.length === 0) return null;
  return <div className="flex flex-wrap items-center gap-x-3 gap-y-1">{parts}</div>;
}

/**
 * "Why isn't this running?" under the run header, while the run waits with
 * nothing running: no worker in the pool, a slot held elsewhere, a backoff,
 * an approval, a schedule. Gone as soon as something runs or the run ends.
 */
export function WaitingReasonBanner({ run }: { run: RunDetail }) {
  const why = useWaitReasons(run, true);
  const reason = why?.reason;
  if (!reason || isTerminalFlowState(run.state)) return null;
  // "Queued, starting in a moment" is what every run says for its first
  // instant; it is worth a banner only once the moment has passed.
  if (TRANSIENT.has(reason.kind)) {
    const task = run.tasks.find((t) => t.id === reason.taskRunId);
    const since = task?.queuedAt ?? task?.readyAt;
    if (since && Date.now() - since.getTime() < TRANSIENT_GRACE_MS) return null;
  }
  return (
    <div
      role="status"
      className="flex items-start gap-3 border-b border-amber-200 bg-amber-50 px-6 py-3 text-sm text-amber-950"
      data-testid="waiting-reason"
      data-kind={reason.kind}
    >
      <ClockIcon className="mt-0.5 size-4 shrink-0 text-amber-600" />
      <div className="flex min-w-0 flex-col gap-1">
        <p>
          <span className="font-semibold">Why isn&apos;t this running?</span>{' '}
          <span data-testid="waiting-message">{reason.message}</span>
          {reason.nodeId && (
            <span className="text-amber-800">
              {' '}
              (task <span className="font-mono">{reason.nodeId}</span>)
            </span>
          )}
        </p>
        <ReasonDetails reason={reason} tone="banner" />
      </div>
    </div>
  );
}

/** The same question for one task, in its panel. */
export function TaskWaitingReason({ run, taskRunId }: { run: RunDetail; taskRunId: string }) {
  // Reads what the banner keeps fresh; re-reads on its own only when the run moves.
  const why = useWaitReasons(run, false);
  const wait = why?.tasks.find((t) => t.taskRunId === taskRunId);
  if (!wait) return null;
  return (
    <section
      className="flex flex-col gap-1 rounded-md bg-amber-50 p-2.5 text-xs text-amber-950 ring-1 ring-amber-200 ring-inset"
      data-testid="task-waiting-reason"
      data-kind={wait.reason.kind}
    >
      <p>
        <span className="font-medium">Why isn&apos;t this running?</span> {wait.reason.message}
      </p>
      <ReasonDetails reason={wait.reason} tone="panel" />
    </section>
  );
}
