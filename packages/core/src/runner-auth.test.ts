import { describe, expect, it } from 'vitest';
import { generateKeySpec, parseKeyRing } from './crypto.ts';
import { isRunnerKey, runnerKey } from './runner-auth.ts';

describe('runner keys', () => {
  const old = generateKeySpec('k1');
  const fresh = generateKeySpec('k2');

  it('accepts the key of its own ring, across a rotation, and nothing else', () => {
    const before = parseKeyRing(old);
    const rotated = parseKeyRing(`${fresh},${old}`);
    expect(isRunnerKey(before, runnerKey(before))).toBe(true);
    expect(isRunnerKey(rotated, runnerKey(before))).toBe(true);
    expect(isRunnerKey(rotated, runnerKey(rotated))).toBe(true);
    expect(isRunnerKey(before, runnerKey(rotated))).toBe(false);
    expect(isRunnerKey(before, runnerKey(parseKeyRing(generateKeySpec())))).toBe(false);
    expect(isRunnerKey(before, undefined)).toBe(false);
    expect(isRunnerKey(before, '')).toBe(false);
  });
});
