/** "850 ms", "12.4 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number): string {
  if (ms < 0) return '0 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Duration of something that may still be going on (then measured up to `now`). */
export function elapsedMs(start: Date | null, end: Date | null, now = Date.now()): number | null {
  if (!start) return null;
  return (end ? end.getTime() : now) - start.getTime();
}

/** `k=v, k2=v2`, shortened to `max` characters. */
export function summarizeParams(params: Record<string, unknown>, max = 80): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
