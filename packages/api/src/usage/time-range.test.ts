import { describe, expect, it } from 'vitest';
import { bucketFor, bucketStarts, firstMinute, resolveTimeWindow } from './time-range.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const now = new Date('2025-06-15T12:34:56.789Z');

describe('bucket sizes', () => {
  it('picks 1 min for 1 h, 15 min for 24 h, 3 h for 7 d and 12 h for 30 d', () => {
    expect(resolveTimeWindow({ range: '1h' }, now).bucketMs).toBe(MIN);
    expect(resolveTimeWindow({ range: '24h' }, now).bucketMs).toBe(15 * MIN);
    expect(resolveTimeWindow({ range: '7d' }, now).bucketMs).toBe(3 * HOUR);
    expect(resolveTimeWindow({ range: '30d' }, now).bucketMs).toBe(12 * HOUR);
  });

  it('keeps any custom window to at most 100 buckets, never finer than a minute', () => {
    expect(bucketFor(5 * MIN)).toBe(MIN);
    expect(bucketFor(3 * HOUR)).toBe(5 * MIN);
    expect(bucketFor(90 * DAY)).toBe(DAY);
    expect(bucketFor(400 * DAY)).toBe(7 * DAY);
    for (const span of [MIN, 2 * HOUR, 36 * HOUR, 10 * DAY, 99 * DAY]) {
      expect(span / bucketFor(span)).toBeLessThanOrEqual(100);
    }
  });
});

describe('resolveTimeWindow', () => {
  it('defaults to the last 24 hours', () => {
    const w = resolveTimeWindow({}, now);
    expect(w).toMatchObject({ preset: '24h', to: now });
    expect(now.getTime() - w.from.getTime()).toBe(DAY);
  });

  it('takes a custom window; `to` defaults to now and `from` to a day before `to`', () => {
    const w = resolveTimeWindow({ from: '2025-06-01T00:00:00Z', to: '2025-06-03T00:00:00Z' }, now);
    expect(w).toMatchObject({ preset: null, bucketMs: 30 * MIN });
    expect(w.from.toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(resolveTimeWindow({ from: '2025-06-15T00:00:00Z' }, now).to).toEqual(now);
    const onlyTo = resolveTimeWindow({ to: '2025-06-10T00:00:00Z' }, now);
    expect(onlyTo.from.toISOString()).toBe('2025-06-09T00:00:00.000Z');
  });

  it('refuses empty, reversed and over-long windows as INVALID', () => {
    for (const input of [
      { from: '2025-06-02T00:00:00Z', to: '2025-06-01T00:00:00Z' },
      { from: '2025-06-01T00:00:00Z', to: '2025-06-01T00:00:00Z' },
      { from: '2020-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' },
    ]) {
      expect(() => resolveTimeWindow(input, now)).toThrow(expect.objectContaining({ code: 'INVALID' }));
    }
  });
});

describe('bucketStarts', () => {
  it('covers the window with aligned buckets, the first one holding `from`', () => {
    const w = resolveTimeWindow({ range: '1h' }, now);
    const starts = bucketStarts(w);
    expect(starts).toHaveLength(61);
    expect(new Date(starts[0]!).toISOString()).toBe('2025-06-15T11:34:00.000Z');
    expect(new Date(starts.at(-1)!).toISOString()).toBe('2025-06-15T12:34:00.000Z');
    expect(starts.every((s) => s % MIN === 0)).toBe(true);
  });

  it('aligns day-sized buckets to UTC midnight', () => {
    const starts = bucketStarts({
      from: new Date('2025-01-01T05:00:00Z'),
      to: new Date('2025-03-01T00:00:00Z'),
      bucketMs: DAY,
    });
    expect(new Date(starts[0]!).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(starts).toHaveLength(59);
  });

  it('firstMinute floors to the minute', () => {
    expect(firstMinute(now).toISOString()).toBe('2025-06-15T12:34:00.000Z');
  });
});
