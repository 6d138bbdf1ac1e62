import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { describe, expect, it } from 'vitest';
import { issueSession, openSession } from './session-token.ts';

const ring = parseKeyRing(generateKeySpec('s1'));
const base = {
  tenantId: 't1',
  gatewayId: 'g1',
  principal: 'token:abc',
  protocolVersion: '2025-11-25',
  clientCapabilities: { sampling: {} },
  clientInfo: { name: 'inspector', version: '1.0' },
};

describe('session tokens', () => {
  it('round-trips claims and is opaque, visible ASCII', () => {
    const { id, claims } = issueSession(ring, base);
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    expect(id).not.toContain('token:abc');
    const opened = openSession(ring, id, { tenantId: 't1', gatewayId: 'g1' });
    expect(opened).toEqual({ ok: true, claims });
    expect(claims.sid).toHaveLength(16);
  });

  it('is refused on another gateway or tenant, when expired, and when tampered', () => {
    const { id } = issueSession(ring, base, 60, Date.now());
    expect(openSession(ring, id, { tenantId: 't1', gatewayId: 'g2' })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(openSession(ring, id, { tenantId: 't2', gatewayId: 'g1' })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(openSession(ring, id, { tenantId: 't1', gatewayId: 'g1' }, Date.now() + 61_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(openSession(ring, `${id.slice(0, -3)}AAA`, { tenantId: 't1', gatewayId: 'g1' }).ok).toBe(false);
    expect(openSession(ring, 'garbage', { tenantId: 't1', gatewayId: 'g1' }).ok).toBe(false);
  });

  it('is still accepted after key rotation while the old key stays in the ring', () => {
    const oldSpec = generateKeySpec('old');
    const { id } = issueSession(parseKeyRing(oldSpec), base);
    const rotated = parseKeyRing(`${generateKeySpec('new')},${oldSpec}`);
    expect(openSession(rotated, id, { tenantId: 't1', gatewayId: 'g1' }).ok).toBe(true);
  });
});
