import { describe, expect, it } from 'vitest';
import { generateApiToken, hashApiToken, isWellFormedApiToken } from './api-token.ts';

describe('api tokens', () => {
  it('generates distinct well-formed tokens whose hash is stored, not the token', () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a.token).toMatch(/^tg_[0-9A-Za-z]{46}$/);
    expect(a.token).not.toBe(b.token);
    expect(isWellFormedApiToken(a.token)).toBe(true);
    expect(a.hash).toBe(hashApiToken(a.token));
    expect(a.hash).not.toContain(a.token.slice(3));
    expect(a.displayPrefix).toBe(a.token.slice(0, 10));
  });

  it('rejects a token with one character changed (checksum)', () => {
    const { token } = generateApiToken();
    const i = 8;
    const swapped = token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
    expect(isWellFormedApiToken(swapped)).toBe(false);
    expect(isWellFormedApiToken('tg_short')).toBe(false);
    expect(isWellFormedApiToken(token.replace('tg_', 'xx_'))).toBe(false);
  });
});
