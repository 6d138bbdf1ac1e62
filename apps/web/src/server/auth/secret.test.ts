import { generateKeySpec } from '@toolgate/core/crypto';
import { describe, expect, it } from 'vitest';
import { authSecret } from './secret.ts';

describe('authSecret', () => {
  it('prefers NEXTAUTH_SECRET', () => {
    const secret = 'x'.repeat(40);
    expect(authSecret({ NEXTAUTH_SECRET: secret, TOOLGATE_SECRET_KEYS: generateKeySpec() })).toBe(secret);
  });

  it('derives a stable secret from the primary key of the ring, not the key itself', () => {
    const primary = generateKeySpec('k2');
    const ring = `${primary},${generateKeySpec('k1')}`;
    const derived = authSecret({ TOOLGATE_SECRET_KEYS: ring });
    expect(derived).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authSecret({ TOOLGATE_SECRET_KEYS: ring })).toBe(derived);
    expect(authSecret({ TOOLGATE_SECRET_KEYS: primary })).toBe(derived);
    expect(ring).not.toContain(derived);
    expect(authSecret({ TOOLGATE_SECRET_KEYS: generateKeySpec('k2') })).not.toBe(derived);
  });

  it('refuses to run without either', () => {
    expect(() => authSecret({})).toThrow(/NEXTAUTH_SECRET or TOOLGATE_SECRET_KEYS/);
  });
});
