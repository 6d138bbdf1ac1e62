import { describe, expect, it } from 'vitest';
import { paginate } from './pagination.ts';

describe('paginate', () => {
  it('walks a list page by page and ends without a cursor', () => {
    const items = [1, 2, 3, 4, 5];
    const first = paginate(items, undefined, 2);
    expect(first.page).toEqual([1, 2]);
    const second = paginate(items, first.nextCursor, 2);
    expect(second.page).toEqual([3, 4]);
    const last = paginate(items, second.nextCursor, 2);
    expect(last).toEqual({ page: [5] });
    expect(paginate(items, undefined, 10)).toEqual({ page: items });
  });

  it('rejects cursors it did not issue', () => {
    expect(() => paginate([1], 'bogus', 2)).toThrow(/unknown cursor/);
    expect(() => paginate([1], 42, 2)).toThrow(/unknown cursor/);
  });
});
