const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** "just now", "3 min ago", "5 h ago", "2 days ago", then the date: how long ago `iso` was at `now`. */
export function timeAgo(iso: string, now: number): string {
  const then = Date.parse(iso);
  const elapsed = Math.max(0, now - then);
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  const days = Math.floor(elapsed / DAY);
  if (days < 7) return `${days} ${days === 1 ? 'day' : 'days'} ago`;
  return `on ${dateFormat.format(then)}`;
}
