'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { formatDuration } from '@/app/_lib/format-duration';
import type { RunDetail } from '@/app/_lib/use-run-state';
import { isTerminalFlowState } from '@/server/engine/states';

const attemptColors: Record<string, string> = {
  running: 'bg-sky-500',
  completed: 'bg-emerald-500',
  failed: 'bg-red-500',
  timedout: 'bg-orange-500',
  crashed: 'bg-orange-700',
  cancelled: 'bg-slate-400',
};

/** Re-renders every second while the run goes on, so open bars grow. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}

/**
 * Gantt-style: one row per task, one bar per attempt (from task_attempts),
 * retries as separate bars; the wait between attempts (backoff) drawn
 * lighter.
 */
export function RunTimeline({ run }: { run: RunDetail }) {
  const live = !isTerminalFlowState(run.state);
  const now = useNow(live);
  const start = (run.startedAt ?? run.createdAt).getTime();
  const end = run.endedAt?.getTime() ?? Math.max(now, start + 1);
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${(Math.max(0.3, ((b - a) / span) * 100)).toFixed(3)}%`;

  const scrollRef = useRef<HTMLDivElement>(null);
  // One row per task: with 1,000 tasks only the rows on screen are drawn.
  const virtualizer = useVirtualizer({
    count: run.tasks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_PX,
    overscan: 10,
    getItemKey: (index) => run.tasks[index]?.id ?? index,
  });
  const geometry: Geometry = { start, end, now, live, pct, width };

  return (
    <div ref={scrollRef} className="h-full overflow-auto p-4" data-testid="run-timeline">
      <div className="flex justify-between pl-40 text-[11px] text-slate-400 tabular-nums">
        <span>0 s</span>
        <span>{formatDuration(span)}</span>
      </div>
      <div className="relative mt-1" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            className="absolute top-0 left-0 w-full"
            style={{ transform: `translateY(${item.start}px)` }}
          >
            <TimelineRow task={run.tasks[item.index]!} geometry={geometry} />
          </div>
        ))}
      </div>
    </div>
  );
}

const ROW_PX = 24;

interface Geometry {
  start: number;
  end: number;
  now: number;
  live: boolean;
  pct(t: number): string;
  width(a: number, b: number): string;
}

/** One task: a bar per attempt, the waits between them lighter. */
function TimelineRow({
  task,
  geometry: { end, now, live, pct, width },
}: {
  task: RunDetail['tasks'][number];
  geometry: Geometry;
}) {
  const attempts = task.attempts;
  return (
    <div className="flex items-center gap-2" data-testid="timeline-row" data-node-id={task.nodeId}>
      <div className="w-38 shrink-0 truncate font-mono text-xs text-slate-600" title={task.nodeId}>
        {task.nodeId}
      </div>
      <div className="relative h-5 flex-1 rounded bg-slate-50 ring-1 ring-slate-100 ring-inset">
        {attempts.map((a, i) => {
          const from = a.startedAt.getTime();
          const to = a.endedAt?.getTime() ?? (live ? now : end);
          const next = attempts[i + 1];
          // After an attempt: the backoff before the next one, or a
          // suspension (delay, approval, subflow) until the task ends.
          const waitUntil = !a.endedAt
            ? null
            : next
              ? next.startedAt.getTime()
              : task.state === 'retrying' || task.state === 'running'
                ? now
                : task.endedAt && task.endedAt.getTime() - a.endedAt.getTime() > 50
                  ? task.endedAt.getTime()
                  : null;
          return (
            <div key={a.attempt}>
              <div
                className={`absolute top-0.5 bottom-0.5 rounded-sm ${attemptColors[a.state] ?? 'bg-slate-400'}`}
                style={{ left: pct(from), width: width(from, to) }}
                title={`attempt ${a.attempt}: ${a.state}, ${formatDuration(to - from)}`}
                data-testid="timeline-attempt"
                data-attempt={a.attempt}
                data-state={a.state}
              />
              {a.endedAt && waitUntil !== null && (
                <div
                  className="absolute top-1.5 bottom-1.5 rounded-sm bg-amber-200/70"
                  style={{
                    left: pct(a.endedAt.getTime()),
                    width: width(a.endedAt.getTime(), waitUntil),
                  }}
                  title={next || task.state === 'retrying' ? 'waiting to retry' : 'waiting'}
                  data-testid="timeline-wait"
                />
              )}
            </div>
          );
        })}
        {task.state === 'cached' && (
          <span className="absolute inset-y-0 left-1 text-[10px] leading-5 text-teal-700">
            cached
          </span>
        )}
        {attempts.length === 0 && task.state !== 'cached' && task.startedAt && (
          <div
            className="absolute top-1.5 bottom-1.5 rounded-sm bg-slate-300"
            style={{
              left: pct(task.startedAt.getTime()),
              width: width(task.startedAt.getTime(), task.endedAt?.getTime() ?? now),
            }}
          />
        )}
      </div>
    </div>
  );
}
