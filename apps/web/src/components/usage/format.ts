const integer = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (n: number): string => (n >= 10_000 ? compact.format(n) : integer.format(n));

export const formatPercent = (ratio: number): string =>
  ratio === 0 ? '0%' : ratio < 0.001 ? '<0.1%' : `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;

/** 0.42 ms, 12 ms, 1.2 s, 2.5 min */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1_024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${(bytes / 1_024).toFixed(1)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

const timeOfDay = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', hour12: false });
const dayAndTime = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const day = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const full = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** An axis label for a bucket start: the time of day for short windows, the day for long ones. */
export function formatTick(iso: string, bucketSeconds: number, spanMs: number): string {
  const d = new Date(iso);
  if (bucketSeconds >= 86_400) return day.format(d);
  if (spanMs <= 86_400_000) return timeOfDay.format(d);
  return dayAndTime.format(d);
}

/** A bucket in a tooltip: its start, and its end when wider than a minute. */
export function formatBucket(iso: string, bucketSeconds: number): string {
  const start = new Date(iso);
  if (bucketSeconds <= 60) return dayAndTime.format(start);
  const end = new Date(start.getTime() + bucketSeconds * 1_000);
  return `${dayAndTime.format(start)} – ${bucketSeconds >= 86_400 ? dayAndTime.format(end) : timeOfDay.format(end)}`;
}

export const formatDateTime = (iso: string): string => full.format(new Date(iso));

const dayAndSeconds = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** An event's time to the millisecond (calls often come in bursts). */
export const formatEventTime = (iso: string): string => {
  const d = new Date(iso);
  return `${dayAndSeconds.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

export const AUTH_METHOD_LABELS: Record<string, string> = {
  api_token: 'API token',
  oauth: 'OAuth',
  idp_jwt: 'Identity provider',
  passthrough: 'Pass-through token',
};

/** The method as people read it; '' is a request refused before its body was read. */
export const methodLabel = (method: string): string => (method === '' ? '(not read)' : method);
