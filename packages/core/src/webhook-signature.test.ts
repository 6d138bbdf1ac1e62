import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './webhook-signature.ts';

describe('webhook signatures', () => {
  const secret = 'tgs_test-secret';
  const body = JSON.stringify({ hello: 'world' });
  const now = 1_800_000_000_000;

  it('verifies what it signed, within the tolerance', () => {
    const header = signBody(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, body, header, { now: now + 60_000 })).toEqual({ ok: true });
  });

  it('refuses another body, another secret, an old signature and garbage', () => {
    const header = signBody(secret, body, now);
    expect(verifySignature(secret, `${body} `, header, { now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('other', body, header, { now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(secret, body, header, { now: now + 301_000 })).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifySignature(secret, body, 'v1=abc', { now })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(secret, body, undefined, { now })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts any of several v1 signatures (rotation)', () => {
    const header = signBody(secret, body, now);
    const old = signBody('old-secret', body, now).split(',')[1];
    expect(verifySignature(secret, body, `${header},${old}`, { now })).toEqual({ ok: true });
    expect(verifySignature('old-secret', body, `${header},${old}`, { now })).toEqual({ ok: true });
  });
});

describe('the guardrails header', () => {
  it('is the header requests are signed in', async () => {
    const { GUARDRAIL_SIGNATURE_HEADER } = await import('./dlp/guardrail.ts');
    const { SIGNATURE_HEADER } = await import('./webhook-signature.ts');
    expect(GUARDRAIL_SIGNATURE_HEADER).toBe(SIGNATURE_HEADER);
  });
});
