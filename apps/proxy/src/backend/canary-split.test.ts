import { describe, expect, it } from 'vitest';
import { inCanary, splitBucket } from './canary-split.ts';

/**
 * Fixed ids: the split is a pure function of installation and caller, so every run measures the
 * same shares (random ids would miss the ±5 points now and then by chance alone).
 */
const ID = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

const callers = (n: number) =>
  Array.from({ length: n }, (_, i) => `token:${i.toString(16).padStart(8, '0')}`);

describe('canary split', () => {
  it.each([5, 10, 25, 50, 90])(
    'sends %i% of 1000 distinct callers to the canary, within ±5 points',
    (percent) => {
      const installationId = ID(percent);
      const share = callers(1000).filter((c) => inCanary(installationId, c, percent)).length / 10;
      expect(Math.abs(share - percent)).toBeLessThanOrEqual(5);
    },
  );

  it('keeps a caller on one variant (no state: the same answer every time)', () => {
    const installationId = ID(3);
    for (const caller of callers(200)) {
      const first = inCanary(installationId, caller, 30);
      for (let i = 0; i < 5; i++) expect(inCanary(installationId, caller, 30)).toBe(first);
    }
  });

  it('a caller in a smaller share stays in a larger one (raising the percent only adds callers)', () => {
    const installationId = ID(3);
    for (const caller of callers(500))
      if (inCanary(installationId, caller, 10)) expect(inCanary(installationId, caller, 40)).toBe(true);
  });

  it('gives each installation its own slice of callers', () => {
    const [a, b] = [ID(1), ID(2)];
    const inA = callers(1000).filter((c) => inCanary(a, c, 50));
    const inBoth = inA.filter((c) => inCanary(b, c, 50)).length;
    // Independent halves overlap by about a quarter of all callers, not by all of A's.
    expect(inBoth).toBeGreaterThan(180);
    expect(inBoth).toBeLessThan(320);
  });

  it('spreads buckets over 0–99', () => {
    const installationId = ID(3);
    const seen = new Set(callers(2000).map((c) => splitBucket(installationId, c)));
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(99);
    expect(seen.size).toBe(100);
  });
});
