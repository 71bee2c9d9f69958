const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dateInYear = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const dateWithYear = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
});
export const absoluteDateTime = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** "just now", "5 min ago", "3 hours ago", "yesterday", "4 days ago", then "Mar 4"; ahead (scheduled runs): "in 5 min". */
export function formatRelativeTime(date: Date, now: number): string {
  const elapsed = now - date.getTime();
  if (elapsed < -45_000) {
    const ahead = -elapsed;
    if (ahead < HOUR) return `in ${Math.max(1, Math.round(ahead / MINUTE))} min`;
    if (ahead < DAY) {
      const hours = Math.round(ahead / HOUR);
      return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
    }
    const days = Math.round(ahead / DAY);
    if (days < 7) return days === 1 ? 'tomorrow' : `in ${days} days`;
    const sameYear = new Date(now).getFullYear() === date.getFullYear();
    return (sameYear ? dateInYear : dateWithYear).format(date);
  }
  if (elapsed < 45_000) return 'just now';
  if (elapsed < HOUR) return `${Math.max(1, Math.round(elapsed / MINUTE))} min ago`;
  if (elapsed < DAY) {
    const hours = Math.round(elapsed / HOUR);
    return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  }
  const days = Math.floor(elapsed / DAY);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  const sameYear = new Date(now).getFullYear() === date.getFullYear();
  return (sameYear ? dateInYear : dateWithYear).format(date);
}
