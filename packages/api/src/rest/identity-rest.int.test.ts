import { randomUUID } from 'node:crypto';
import { grantRevocationId } from '@toolgate/auth/constants';
import { identityProviders, oauthClients, oauthGrants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZIdentityProvider } from '../schemas/identity-providers.ts';
import { ZOAuthGrant } from '../schemas/oauth.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { ZIdentityProviderList, ZOAuthGrantList } from './routes.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let call: RestCall;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
});
afterAll(async () => {
  await env?.close();
});

const idpBody = () => {
  const host = `idp-${randomUUID().slice(0, 8)}.example.com`;
  return { name: 'Okta', issuer: `https://${host}`, jwksUri: `https://${host}/keys`, audience: 'toolgate' };
};

async function seedGrant(org: SeededOrg, userId: string) {
  const [client] = await env.db.db
    .insert(oauthClients)
    .values({
      clientId: `dcr-${randomUUID()}`,
      kind: 'dcr',
      name: 'Cursor',
      redirectUris: ['http://127.0.0.1/cb'],
    })
    .returning();
  const [grant] = await env.db.db
    .insert(oauthGrants)
    .values({ tenantId: org.tenant.id, userId, clientId: client!.id, scopes: ['mcp:tools'], gatewayIds: [] })
    .returning();
  return grant!;
}

describe('identity providers over REST', () => {
  it('are created, listed, changed and removed; members may not change them', async () => {
    const created = ok(
      await call('POST', '/identity-providers', { token: a.adminToken, body: idpBody() }),
      201,
      ZIdentityProvider,
    );
    failed(
      await call('POST', '/identity-providers', {
        token: a.adminToken,
        body: { ...idpBody(), issuer: created.issuer },
      }),
      409,
      'CONFLICT',
    );
    failed(
      await call('POST', '/identity-providers', { token: a.memberToken, body: idpBody() }),
      403,
      'FORBIDDEN',
    );
    const list = ok(
      await call('GET', '/identity-providers', { token: a.memberToken }),
      200,
      ZIdentityProviderList,
    );
    expect(list.identityProviders.map((p) => p.id)).toContain(created.id);
    const patched = ok(
      await call('PATCH', `/identity-providers/${created.id}`, {
        token: a.adminToken,
        body: { enabled: false },
      }),
      200,
      ZIdentityProvider,
    );
    expect(patched.enabled).toBe(false);
    expect((await call('DELETE', `/identity-providers/${created.id}`, { token: a.adminToken })).status).toBe(
      204,
    );
  });

  it('of another tenant are neither listed, changed nor removed', async () => {
    const theirs = ok(
      await call('POST', '/identity-providers', { token: b.adminToken, body: idpBody() }),
      201,
      ZIdentityProvider,
    );
    const list = ok(
      await call('GET', '/identity-providers', { token: a.adminToken }),
      200,
      ZIdentityProviderList,
    );
    expect(list.identityProviders.map((p) => p.id)).not.toContain(theirs.id);
    failed(
      await call('PATCH', `/identity-providers/${theirs.id}`, {
        token: a.adminToken,
        body: { enabled: false },
      }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('DELETE', `/identity-providers/${theirs.id}`, { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
    const [row] = await env.db.db.select().from(identityProviders).where(eq(identityProviders.id, theirs.id));
    expect(row).toMatchObject({ enabled: true });
  });
});

describe('OAuth grants over REST', () => {
  it('are listed and revoked; a member sees and revokes only their own', async () => {
    const own = await seedGrant(a, a.member.id);
    const others = await seedGrant(a, a.otherMember.id);
    const mine = ok(await call('GET', '/oauth/grants', { token: a.memberToken }), 200, ZOAuthGrantList);
    expect(mine.grants.map((g) => g.id)).toEqual([own.id]);
    failed(await call('DELETE', `/oauth/grants/${others.id}`, { token: a.memberToken }), 404, 'NOT_FOUND');
    const revoked = ok(
      await call('DELETE', `/oauth/grants/${own.id}`, { token: a.memberToken }),
      200,
      ZOAuthGrant,
    );
    expect(revoked.status).toBe('revoked');
    expect(await env.bus.revocations.has(grantRevocationId(own.id))).toBe(true);
    const all = ok(await call('GET', '/oauth/grants', { token: a.adminToken }), 200, ZOAuthGrantList);
    expect(all.grants.map((g) => g.id)).toEqual(expect.arrayContaining([own.id, others.id]));
  });

  it('of another tenant are neither listed nor revoked', async () => {
    const theirs = await seedGrant(b, b.member.id);
    const list = ok(await call('GET', '/oauth/grants', { token: a.adminToken }), 200, ZOAuthGrantList);
    expect(list.grants.map((g) => g.id)).not.toContain(theirs.id);
    failed(await call('DELETE', `/oauth/grants/${theirs.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    const [row] = await env.db.db.select().from(oauthGrants).where(eq(oauthGrants.id, theirs.id));
    expect(row!.revokedAt).toBeNull();
    expect(await env.bus.revocations.has(grantRevocationId(theirs.id))).toBe(false);
  });
});
