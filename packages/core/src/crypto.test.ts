import { describe, expect, it } from 'vitest';
import { generateKeySpec, open, openString, parseKeyRing, seal } from './crypto.ts';

describe('secret envelope', () => {
  it('opens exactly the sealed string: characters outside base64url, padding or extra bits are refused', () => {
    const ring = parseKeyRing(generateKeySpec('k1'));
    const sealed = seal(ring, 'session', 'aad');
    expect(openString(ring, sealed, 'aad')).toBe('session');
    for (const variant of [`${sealed}é`, `${sealed}\u0000`, `${sealed}=`, `${sealed} `, `${sealed}A`]) {
      expect(() => open(ring, variant, 'aad'), JSON.stringify(variant)).toThrow();
    }
    const [v, k, iv, body] = sealed.split('.') as [string, string, string, string];
    expect(() => open(ring, [v, k, `${iv.slice(0, 4)} ${iv.slice(4)}`, body].join('.'), 'aad')).toThrow();
  });

  it('round-trips and binds to its context', () => {
    const ring = parseKeyRing(generateKeySpec('k1'));
    const sealed = seal(ring, 'api-key-123', 'installation:1');
    expect(sealed).not.toContain('api-key-123');
    expect(openString(ring, sealed, 'installation:1')).toBe('api-key-123');
    expect(() => open(ring, sealed, 'installation:2')).toThrow(/authentication/);
  });

  it('decrypts with a rotated-out key and encrypts with the new primary', () => {
    const oldSpec = generateKeySpec('old');
    const oldRing = parseKeyRing(oldSpec);
    const sealedOld = seal(oldRing, 'v');
    const rotated = parseKeyRing(`${generateKeySpec('new')},${oldSpec}`);
    expect(openString(rotated, sealedOld)).toBe('v');
    expect(seal(rotated, 'v').split('.')[1]).toBe('new');
    expect(() => open(parseKeyRing(generateKeySpec('other')), sealedOld)).toThrow(/unknown key "old"/);
  });

  it('rejects tampered ciphertext and malformed rings', () => {
    const ring = parseKeyRing(generateKeySpec());
    const sealed = seal(ring, 'secret');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => open(ring, tampered)).toThrow();
    expect(() => parseKeyRing('k1:c2hvcnQ=')).toThrow(/32 bytes/);
  });
});
