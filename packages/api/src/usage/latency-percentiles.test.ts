import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT, latencyBucket } from '@toolgate/core/usage';
import { describe, expect, it } from 'vitest';
import { histogramPercentile, latencyPercentiles, mergeHistogram } from './latency-percentiles.ts';

/** A histogram of these latencies, as the worker builds it. */
function histogram(latencies: number[]): number[] {
  const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const ms of latencies) counts[latencyBucket(ms)]!++;
  return counts;
}

const BOUNDS = [10, 20, 40];

describe('histogramPercentile', () => {
  it('is null without calls', () => {
    expect(histogramPercentile([], 0.5)).toBeNull();
    expect(histogramPercentile([0, 0, 0, 0], 0.95, BOUNDS)).toBeNull();
  });

  it('interpolates linearly within the bucket the rank falls in', () => {
    // 10 calls in (10, 20]: the median is half-way through the bucket, p95 near its top.
    expect(histogramPercentile([0, 10, 0, 0], 0.5, BOUNDS)).toBe(15);
    expect(histogramPercentile([0, 10, 0, 0], 0.95, BOUNDS)).toBeCloseTo(19.5);
    // The first bucket starts at 0.
    expect(histogramPercentile([4, 0, 0, 0], 0.5, BOUNDS)).toBe(5);
  });

  it('walks the cumulative counts across buckets', () => {
    // 50 fast, 40 medium, 10 slow calls.
    const counts = [50, 40, 10, 0];
    expect(histogramPercentile(counts, 0.5, BOUNDS)).toBe(10);
    expect(histogramPercentile(counts, 0.7, BOUNDS)).toBe(15);
    expect(histogramPercentile(counts, 0.95, BOUNDS)).toBe(30);
    expect(histogramPercentile(counts, 1, BOUNDS)).toBe(40);
  });

  it('skips empty buckets and answers the lower edge for q = 0', () => {
    expect(histogramPercentile([0, 0, 3, 0], 0, BOUNDS)).toBe(20);
    expect(histogramPercentile([0, 0, 3, 0], 0.5, BOUNDS)).toBe(30);
  });

  it('answers the overflow bucket with its lower bound (it has no upper one)', () => {
    expect(histogramPercentile([1, 0, 0, 9], 0.5, BOUNDS)).toBe(40);
    expect(histogramPercentile(histogram([120_000]), 0.5)).toBe(60_000);
  });

  it('ignores negative counts and refuses percentiles outside 0–1', () => {
    expect(histogramPercentile([-5, 10, 0, 0], 0.5, BOUNDS)).toBe(15);
    expect(() => histogramPercentile([1], 1.5, BOUNDS)).toThrow(RangeError);
    expect(() => histogramPercentile([1], Number.NaN, BOUNDS)).toThrow(RangeError);
  });

  it('lands in the right bucket for real latencies with the production bounds', () => {
    // 90 calls around 3 ms, 10 around 700 ms: p50 in (2.5, 5], p95 in (500, 1000].
    const counts = histogram([...Array<number>(90).fill(3), ...Array<number>(10).fill(700)]);
    const { p50Ms, p95Ms } = latencyPercentiles(counts);
    expect(p50Ms).toBeGreaterThan(2.5);
    expect(p50Ms).toBeLessThanOrEqual(5);
    expect(p95Ms).toBeGreaterThan(500);
    expect(p95Ms).toBeLessThanOrEqual(1_000);
    // Exactly: rank 95 is the 5th of 10 in (500, 1000].
    expect(p95Ms).toBe(750);
    expect(LATENCY_BUCKET_BOUNDS_MS.length + 1).toBe(LATENCY_BUCKET_COUNT);
  });
});

describe('mergeHistogram', () => {
  it('adds element-wise, treating missing buckets of shorter histograms as zero', () => {
    expect(mergeHistogram([1, 2], [10, 20, 30])).toEqual([11, 22, 30]);
    expect(mergeHistogram([1, 2, 3], [1])).toEqual([2, 2, 3]);
    expect(mergeHistogram([], [])).toEqual([]);
  });

  it('merging then taking a percentile equals the percentile of all calls together', () => {
    const a = histogram([1, 2, 3, 40]);
    const b = histogram([300, 400, 2_000]);
    const merged = mergeHistogram([...a], b);
    expect(merged).toEqual(histogram([1, 2, 3, 40, 300, 400, 2_000]));
    expect(latencyPercentiles(merged)).toEqual(latencyPercentiles(histogram([1, 2, 3, 40, 300, 400, 2_000])));
  });
});
