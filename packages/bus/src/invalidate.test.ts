import { describe, expect, it } from 'vitest';
import { readInvalidation } from './invalidate.ts';

describe('readInvalidation', () => {
  it('keeps messages of the kinds it knows', () => {
    const message = { kind: 'token', tenantId: 't', tokenHash: 'h', reason: 'token changed', version: 3 };
    expect(readInvalidation(message)).toEqual(message);
    expect(readInvalidation({ kind: 'tenant', tenantId: 't', reason: 'r' })).toEqual({
      kind: 'tenant',
      tenantId: 't',
      reason: 'r',
    });
  });

  it('reads messages of replicas that predate kinds by the field they carry', () => {
    expect(readInvalidation({ tenantId: 't', gatewayId: 'g', reason: 'r' })).toEqual({
      kind: 'gateway',
      tenantId: 't',
      gatewayId: 'g',
      reason: 'r',
    });
    expect(readInvalidation({ tenantId: 't', userId: 'u', reason: 'r' })).toMatchObject({ kind: 'user' });
    expect(readInvalidation({ tenantId: 't', revokedId: 'x', reason: 'r' })).toMatchObject({
      kind: 'revoked',
    });
    expect(readInvalidation({ tenantId: 't', reason: 'r' })).toMatchObject({ kind: 'tenant' });
  });

  it('ignores what it cannot act on', () => {
    expect(readInvalidation(null)).toBeUndefined();
    expect(readInvalidation({ reason: 'no tenant' })).toBeUndefined();
    expect(readInvalidation({ kind: 'gateway', tenantId: 't', reason: 'no gateway id' })).toBeUndefined();
    expect(readInvalidation({ kind: 'resync', tenantId: 't', reason: 'local only' })).toBeUndefined();
    expect(readInvalidation({ kind: 'future', tenantId: 't', reason: 'r' })).toBeUndefined();
  });
});
