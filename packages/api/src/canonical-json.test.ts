import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    const x = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
    const y = { a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(x)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(x)).toBe(canonicalJson(y));
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('hashes to 64 hex characters', () => {
    expect(sha256Hex(canonicalJson({ a: 1 }))).toMatch(/^[0-9a-f]{64}$/);
  });
});
