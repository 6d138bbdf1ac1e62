import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.ts';

const TOKEN = 'q7X_-aZ09q7X_-aZ09q7X_-aZ09q7X_-aZ09q7X_-a';

describe('redactUrl', () => {
  it('hides invitation and reset tokens, plain or inside a callbackUrl', () => {
    expect(redactUrl(`/invite/${TOKEN}`)).toBe('/invite/[redacted]');
    expect(redactUrl(`/invite/${TOKEN}?_rsc=abc`)).toBe('/invite/[redacted]?_rsc=abc');
    expect(redactUrl(`/reset-password?token=${TOKEN}`)).toBe('/reset-password?token=[redacted]');
    expect(redactUrl(`/reset-password?x=1&token=${TOKEN}&y=2`)).toBe(
      '/reset-password?x=1&token=[redacted]&y=2',
    );
    expect(redactUrl(`/signin?callbackUrl=%2Finvite%2F${TOKEN}`)).toBe(
      '/signin?callbackUrl=%2Finvite%2F[redacted]',
    );
    expect(redactUrl(`/signin?callbackUrl=%2Freset-password%3Ftoken%3D${TOKEN}`)).toBe(
      '/signin?callbackUrl=%2Freset-password%3Ftoken%3D[redacted]',
    );
  });

  it('leaves other URLs alone', () => {
    for (const url of [
      '/t/acme/members',
      '/api/trpc/members.list?batch=1',
      '/signin?callbackUrl=%2Ft',
      '/invite',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
