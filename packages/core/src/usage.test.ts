import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT, latencyBucket, rollupMethod } from './usage.ts';

describe('latency buckets', () => {
  it('puts a latency in the first bucket whose bound it does not exceed', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.5)).toBe(0);
    expect(latencyBucket(0.51)).toBe(1);
    expect(latencyBucket(7)).toBe(LATENCY_BUCKET_BOUNDS_MS.indexOf(10));
    expect(latencyBucket(60_000)).toBe(LATENCY_BUCKET_BOUNDS_MS.length - 1);
    expect(latencyBucket(60_001)).toBe(LATENCY_BUCKET_COUNT - 1);
  });
});

describe('rollupMethod', () => {
  it('keeps MCP methods and folds made-up ones into "other"', () => {
    expect(rollupMethod('tools/call')).toBe('tools/call');
    expect(rollupMethod('notifications/initialized')).toBe('notifications/initialized');
    expect(rollupMethod('')).toBe('');
    expect(rollupMethod('x/random-123')).toBe('other');
  });
});
