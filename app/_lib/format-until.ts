const clock = new Intl.DateTimeFormat('en', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dayAndClock = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** "in 42 s", "in 5 min", "in 3 h", "in 2 days" — or "now" once it has passed. */
export function formatCountdown(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (seconds <= 0) return 'now';
  if (seconds < 90) return `in ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `in ${hours} h`;
  return `in ${Math.round(hours / 24)} days`;
}

/** A wall-clock time: "14:03:05" today, "Mar 4, 14:03" on another day. */
export function formatClock(date: Date, now: number): string {
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return (sameDay ? clock : dayAndClock).format(date);
}
