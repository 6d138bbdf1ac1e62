import { describe, expect, it } from 'vitest';
import { timeAgo } from './time-ago.ts';

describe('timeAgo', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const before = (ms: number) => new Date(now - ms).toISOString();

  it('says how long ago in the largest whole unit under a week', () => {
    expect(timeAgo(before(20_000), now)).toBe('just now');
    expect(timeAgo(before(3 * 60_000 + 59_000), now)).toBe('3 min ago');
    expect(timeAgo(before(5 * 3_600_000), now)).toBe('5 h ago');
    expect(timeAgo(before(86_400_000), now)).toBe('1 day ago');
    expect(timeAgo(before(3 * 86_400_000), now)).toBe('3 days ago');
  });

  it('gives the date beyond a week, and never a time in the future', () => {
    expect(timeAgo(before(30 * 86_400_000), now)).toBe('on Feb 8, 2026');
    expect(timeAgo(new Date(now + 5_000).toISOString(), now)).toBe('just now');
  });
});
