import { describe, expect, it } from 'vitest';
import { niceMax } from './time-charts.tsx';

describe('niceMax', () => {
  it('rounds counts up to four whole-number steps', () => {
    expect(niceMax(0, true)).toBe(4);
    expect(niceMax(3, true)).toBe(4);
    expect(niceMax(7, true)).toBe(8);
    expect(niceMax(37, true)).toBe(40);
    expect(niceMax(1_234, true)).toBe(2_000);
    for (const v of [1, 5, 9, 11, 99, 101, 4_999]) {
      const max = niceMax(v, true);
      expect(max).toBeGreaterThanOrEqual(v);
      expect(Number.isInteger(max / 4)).toBe(true);
    }
  });

  it('rounds latencies up to round steps, fractions allowed', () => {
    expect(niceMax(0, false)).toBe(1);
    expect(niceMax(0.3, false)).toBeCloseTo(0.4);
    expect(niceMax(730, false)).toBe(800);
    expect(niceMax(95, false)).toBe(100);
  });
});
