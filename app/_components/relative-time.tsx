'use client';

import { useSyncExternalStore } from 'react';
import { absoluteDateTime, formatRelativeTime } from '@/app/_lib/format-relative-time';

/*
 * One shared clock for every <RelativeTime>: a page with 200 rows has one
 * timer, not 200. It ticks only while something is subscribed.
 */
const TICK_MS = 30_000;
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function tick() {
  now = Date.now();
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (!timer) {
    timer = setInterval(tick, TICK_MS);
    // The clock may be stale after a quiet spell; catch up right away.
    if (Date.now() - now > 1_000) queueMicrotask(tick);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const getNow = () => now;

/** "5 min ago", kept fresh; the exact time is in the tooltip. */
export function RelativeTime({ date, className }: { date: Date; className?: string }) {
  const current = useSyncExternalStore(subscribe, getNow, getNow);
  return (
    <time
      dateTime={date.toISOString()}
      title={absoluteDateTime.format(date)}
      className={className}
      suppressHydrationWarning
    >
      {formatRelativeTime(date, current)}
    </time>
  );
}
