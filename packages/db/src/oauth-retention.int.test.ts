import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expireOAuthRecords, OAUTH_RECORD_GRACE_MS } from './oauth-retention.ts';
import {
  oauthAssertionJtis,
  oauthAuthorizationCodes,
  oauthClients,
  oauthGrants,
  oauthRefreshTokens,
} from './schema/index.ts';
import {
  createTestDatabase,
  seedGateway,
  seedMember,
  seedTenant,
  type TestDatabase,
} from './testing/index.ts';

let db: TestDatabase;
const DAYS_30 = 30 * 86_400_000;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

describe('expiring spent OAuth records', () => {
  it('deletes codes and refresh tokens a day past their end, and assertion ids once expired; keeps the rest', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const later = (ms: number) => new Date(now.getTime() + ms);
    const tenant = await seedTenant(db.db);
    const user = await seedMember(db.db, tenant.id);
    const gateway = await seedGateway(db.db, tenant.id);
    const [client] = await db.db
      .insert(oauthClients)
      .values({
        clientId: `c-${randomUUID()}`,
        kind: 'dcr',
        name: 'App',
        redirectUris: ['https://app.test/cb'],
      })
      .returning();
    const [grant] = await db.db
      .insert(oauthGrants)
      .values({
        tenantId: tenant.id,
        userId: user.id,
        clientId: client!.id,
        scopes: ['mcp:tools'],
        gatewayIds: [gateway.id],
      })
      .returning();
    const common = {
      tenantId: tenant.id,
      grantId: grant!.id,
      clientId: client!.id,
      userId: user.id,
      gatewayId: gateway.id,
      resource: 'https://mcp.test/mcp/t/g',
      scopes: ['mcp:tools'],
    };
    const grace = OAUTH_RECORD_GRACE_MS;
    const code = (name: string, expiresAt: Date) => ({
      ...common,
      codeHash: name,
      redirectUri: 'https://app.test/cb',
      codeChallenge: 'x',
      expiresAt,
    });
    await db.db.insert(oauthAuthorizationCodes).values([
      code('code-long-gone', ago(grace + 60_000)),
      // Expired, but a replay now must still be recognised.
      code('code-just-expired', ago(60_000)),
      code('code-live', later(60_000)),
    ]);
    const refresh = (name: string, values: { expiresAt: Date; usedAt?: Date; revokedAt?: Date }) => ({
      ...common,
      tokenHash: name,
      familyId: randomUUID(),
      ...values,
    });
    await db.db.insert(oauthRefreshTokens).values([
      refresh('rt-expired-long-ago', { expiresAt: ago(grace + 60_000) }),
      refresh('rt-revoked-long-ago', { expiresAt: later(DAYS_30), revokedAt: ago(grace + 60_000) }),
      refresh('rt-revoked-just-now', { expiresAt: later(DAYS_30), revokedAt: ago(60_000) }),
      // Used long ago but not expired: presenting it again is what reuse detection looks for.
      refresh('rt-used-long-ago', { expiresAt: later(DAYS_30), usedAt: ago(grace * 5) }),
      refresh('rt-live', { expiresAt: later(DAYS_30) }),
    ]);
    await db.db.insert(oauthAssertionJtis).values([
      { issuer: 'https://idp.test', jti: 'expired', expiresAt: ago(1_000) },
      { issuer: 'https://idp.test', jti: 'live', expiresAt: later(60_000) },
    ]);

    expect(await expireOAuthRecords(db.db, { now, chunkSize: 1 })).toEqual({
      codes: 1,
      refreshTokens: 2,
      assertionJtis: 1,
    });
    const codes = await db.db.select({ h: oauthAuthorizationCodes.codeHash }).from(oauthAuthorizationCodes);
    expect(codes.map((r) => r.h).sort()).toEqual(['code-just-expired', 'code-live']);
    const tokens = await db.db.select({ h: oauthRefreshTokens.tokenHash }).from(oauthRefreshTokens);
    expect(tokens.map((r) => r.h).sort()).toEqual(['rt-live', 'rt-revoked-just-now', 'rt-used-long-ago']);
    const jtis = await db.db.select({ j: oauthAssertionJtis.jti }).from(oauthAssertionJtis);
    expect(jtis.map((r) => r.j)).toEqual(['live']);
    expect(await db.db.select().from(oauthGrants)).toHaveLength(1);
    // Nothing left to do.
    expect(await expireOAuthRecords(db.db, { now })).toEqual({
      codes: 0,
      refreshTokens: 0,
      assertionJtis: 0,
    });
  });
});
