'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { cn } from '@/app/_lib/cn';
import type { LogLine, LogWindow } from './use-log-window';

/** A one-line row's height; longer messages wrap and are measured. */
const ROW_PX = 20;
/** Within this distance of an edge, the next page in that direction is read. */
const EDGE_PX = 400;
/** Height of a log view that does not fill its parent. */
const MAX_INLINE_PX = 384;

const levelClasses: Record<LogLine['level'], string> = {
  debug: 'text-slate-400',
  info: 'text-slate-700',
  warn: 'text-amber-700',
  error: 'text-red-700',
};

const time = new Intl.DateTimeFormat('en', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

/**
 * Log lines, virtualized: only the rows on screen (plus a few) are in the
 * DOM however many the window holds. Scrolling near the top or bottom reads
 * the next page that way (keeping what is on screen in place); at the
 * bottom it sticks to the tail as new lines arrive.
 */
export function LogView({
  log,
  showTask = false,
  fill = false,
  testId,
}: {
  log: LogWindow;
  /** Say which task wrote each line (the whole-run view). */
  showTask?: boolean;
  /** Fill the parent's height (the logs tab) instead of growing up to 24rem. */
  fill?: boolean;
  testId?: string;
}) {
  const { lines } = log;
  const scrollRef = useRef<HTMLDivElement>(null);
  const stickToEnd = useRef(true);
  /** Set just before older lines are read: where the view was, to restore it after the prepend. */
  const anchor = useRef<{ total: number; top: number } | null>(null);
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
    getItemKey: (index) => lines[index]?.id ?? index,
  });
  const total = virtualizer.getTotalSize();

  // A replaced window (new filter, Start, End) starts at its own end.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the window is replaced
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    stickToEnd.current = !log.hasNewer;
    el.scrollTop = log.hasNewer ? 0 : el.scrollHeight;
  }, [log.generation]);

  // Older lines were put in front: keep the same lines on screen.
  const firstId = lines[0]?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the first line changes
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !anchor.current) return;
    el.scrollTop = anchor.current.top + (virtualizer.getTotalSize() - anchor.current.total);
    anchor.current = null;
  }, [firstId]);

  // New lines at the end: follow them if the view was at the end.
  const lastId = lines.at(-1)?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the last line changes
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && stickToEnd.current && lines.length > 0) el.scrollTop = el.scrollHeight;
  }, [lastId, total]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    const fromEnd = el.scrollHeight - el.scrollTop - el.clientHeight;
    stickToEnd.current = fromEnd < ROW_PX && !log.hasNewer;
    if (el.scrollTop < EDGE_PX && log.hasOlder && !anchor.current) {
      anchor.current = { total: virtualizer.getTotalSize(), top: el.scrollTop };
      void log.loadOlder().then((n) => {
        if (n === 0) anchor.current = null;
      });
    }
    if (fromEnd < EDGE_PX && log.hasNewer) void log.loadNewer();
  };
  // A short window may not scroll at all: read on until it does (or nothing is left).
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-check whenever the window changes
  useEffect(onScroll, [lines.length, log.hasOlder, log.hasNewer]);

  if (lines.length === 0)
    return (
      <p className="p-2 text-xs text-slate-500" data-testid={testId} data-loading={log.loading}>
        {log.loading
          ? 'Loading logs…'
          : log.error
            ? `Logs unavailable: ${log.error}`
            : 'No log lines.'}
      </p>
    );
  return (
    <div
      ref={scrollRef}
      onScroll={onScroll}
      className={cn(
        'overflow-auto rounded-md bg-slate-50 font-mono text-xs ring-1 ring-slate-200 ring-inset',
        fill && 'min-h-0 flex-1',
      )}
      style={fill ? undefined : { height: Math.min(total + 16, MAX_INLINE_PX) }}
      data-testid={testId}
      data-lines={lines.length}
    >
      <ol className="relative m-2" style={{ height: total }}>
        {virtualizer.getVirtualItems().map((row) => {
          const line = lines[row.index]!;
          return (
            <li
              key={row.key}
              data-index={row.index}
              ref={virtualizer.measureElement}
              className="absolute top-0 left-0 flex w-full gap-2 leading-5 whitespace-pre-wrap"
              style={{ transform: `translateY(${row.start}px)` }}
              data-level={line.level}
              data-line-id={line.id}
            >
              <span className="shrink-0 text-slate-400 tabular-nums">{time.format(line.at)}</span>
              <span className={cn('w-10 shrink-0 uppercase', levelClasses[line.level])}>
                {line.level}
              </span>
              {showTask && (
                <span
                  className="max-w-40 shrink-0 truncate text-indigo-600"
                  title={line.nodeId ?? ''}
                >
                  {line.nodeId ?? 'run'}
                  {line.attempt ? `#${line.attempt}` : ''}
                </span>
              )}
              <span className={cn('min-w-0 break-all', levelClasses[line.level])}>
                {line.message}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
