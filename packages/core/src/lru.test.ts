import { describe, expect, it } from 'vitest';
import { TtlLru } from './lru.ts';

describe('TtlLru', () => {
  it('evicts the least recently used entry beyond capacity', () => {
    const lru = new TtlLru<string, number>(2, 1_000);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now newest
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
  });

  it('expires entries and deletes by predicate', () => {
    const lru = new TtlLru<string, { tenant: string }>(10, 1_000);
    lru.set('x', { tenant: 't1' }, 100, 0);
    lru.set('y', { tenant: 't2' }, 10_000, 0);
    lru.set('z', { tenant: 't1' }, 10_000, 0);
    expect(lru.get('x', 101)).toBeUndefined();
    expect(lru.deleteWhere((v) => v.tenant === 't1')).toBe(1);
    expect(lru.get('y', 200)).toEqual({ tenant: 't2' });
    expect(lru.size).toBe(1);
  });

  it('peeks without refreshing recency, and reads expired entries as absent', () => {
    const lru = new TtlLru<string, number>(2, 1_000);
    lru.set('a', 1, 1_000, 0);
    lru.set('b', 2, 1_000, 0);
    expect(lru.peek('a', 10)).toBe(1);
    // 'a' is still the oldest: a third entry evicts it.
    lru.set('c', 3, 1_000, 0);
    expect(lru.peek('a', 10)).toBeUndefined();
    expect(lru.peek('b', 999)).toBe(2);
    expect(lru.peek('b', 1_000)).toBeUndefined();
  });

  it('keeps exact recency when the newest key is read again, deleted or evicted', () => {
    const lru = new TtlLru<string, number>(3, 1_000);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    // c is the newest: reading it repeatedly moves nothing, and a then b stay the oldest.
    expect(lru.get('c')).toBe(3);
    expect(lru.get('c')).toBe(3);
    expect(lru.get('a')).toBe(1); // now b, c, a
    expect(lru.get('a')).toBe(1);
    lru.delete('a'); // b, c
    expect(lru.get('c')).toBe(3); // b, c
    lru.set('d', 4); // b, c, d
    lru.set('e', 5); // evicts b: c, d, e
    expect(lru.peek('b')).toBeUndefined();
    expect(lru.get('c')).toBe(3); // d, e, c
    lru.set('f', 6); // evicts d
    expect(lru.peek('d')).toBeUndefined();
    expect([lru.peek('c'), lru.peek('e'), lru.peek('f')]).toEqual([3, 5, 6]);
    lru.clear();
    lru.set('g', 7);
    expect(lru.get('g')).toBe(7);
    expect(lru.size).toBe(1);
  });
});
