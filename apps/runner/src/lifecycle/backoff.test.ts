import { describe, expect, it } from 'vitest';
import { nextBackoff } from './backoff.ts';

describe('restart back-off', () => {
  it('starts at no delay, doubles with each failure in a row, and stops growing at the maximum', () => {
    let backoff = nextBackoff(undefined, { initialMs: 100, maxMs: 500 });
    expect(backoff.delayMs).toBe(0);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      backoff = nextBackoff(backoff, { initialMs: 100, maxMs: 500 });
      delays.push(backoff.delayMs);
    }
    expect(delays).toEqual([100, 200, 400, 500, 500]);
    expect(backoff.failures).toBe(5);
  });
});
