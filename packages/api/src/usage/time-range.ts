import { AppError } from '@toolgate/core/errors';
import { MAX_RANGE_DAYS, type UsageRange } from '../schemas/usage.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RANGE_MS: Record<UsageRange, number> = {
  '1h': HOUR,
  '24h': DAY,
  '7d': 7 * DAY,
  '30d': 30 * DAY,
};

/**
 * Series bucket widths, smallest first. Rollups are per minute, so nothing finer. Hours and days
 * are whole UTC hours and days (buckets start at multiples of their width since the epoch).
 */
export const BUCKET_LADDER_MS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  7 * DAY,
] as const;

/** Enough points for a readable chart at any width, few enough to draw as bars. */
export const MAX_BUCKETS = 100;

/**
 * The narrowest bucket that keeps a window under MAX_BUCKETS points: 1 h → 1 min, 24 h → 15 min,
 * 7 d → 3 h, 30 d → 12 h; custom windows the same way.
 */
export function bucketFor(spanMs: number): number {
  for (const width of BUCKET_LADDER_MS) if (spanMs / width <= MAX_BUCKETS) return width;
  return 7 * DAY;
}

export interface TimeWindow {
  from: Date;
  to: Date;
  preset: UsageRange | null;
  bucketMs: number;
}

/**
 * The window a query asks for: a preset ending at `now` (default 24 h), or a custom `from`/`to`
 * (`to` defaults to now, `from` to a day before `to`).
 */
export function resolveTimeWindow(
  input: { range?: UsageRange; from?: string; to?: string },
  now: Date = new Date(),
): TimeWindow {
  if (!input.from && !input.to) {
    const preset = input.range ?? '24h';
    const to = now;
    const from = new Date(to.getTime() - RANGE_MS[preset]);
    return { from, to, preset, bucketMs: bucketFor(RANGE_MS[preset]) };
  }
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - DAY);
  const span = to.getTime() - from.getTime();
  if (!Number.isFinite(span) || span <= 0)
    throw new AppError('INVALID', 'to: must be after from', {
      fields: [{ path: 'to', message: 'must be after from' }],
    });
  if (span > MAX_RANGE_DAYS * DAY)
    throw new AppError('INVALID', `from: the window may span at most ${MAX_RANGE_DAYS} days`, {
      fields: [{ path: 'from', message: `the window may span at most ${MAX_RANGE_DAYS} days` }],
    });
  return { from, to, preset: null, bucketMs: bucketFor(span) };
}

/** Start of the bucket holding `ms`. */
export const bucketStart = (ms: number, bucketMs: number): number => Math.floor(ms / bucketMs) * bucketMs;

/** Start of every bucket that overlaps [from, to), oldest first. */
export function bucketStarts({ from, to, bucketMs }: Pick<TimeWindow, 'from' | 'to' | 'bucketMs'>): number[] {
  const starts: number[] = [];
  for (let t = bucketStart(from.getTime(), bucketMs); t < to.getTime(); t += bucketMs) starts.push(t);
  return starts;
}

/** The first rollup minute that overlaps the window. */
export const firstMinute = (from: Date): Date => new Date(bucketStart(from.getTime(), MINUTE));
