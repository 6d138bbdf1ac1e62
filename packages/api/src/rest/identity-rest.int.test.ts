import { randomUUID } from 'node:crypto';
import { grantRevocationId } from '@toolgate/auth/constants';
import { identityProviders, oauthClients, oauthGrants, tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZIdentityProvider, ZJitUsersSetting } from '../schemas/identity-providers.ts';
import { ZCreatedOAuthClient, ZDeletedOAuthClient, ZOAuthGrant } from '../schemas/oauth.ts';
import { createTwoTenantEnv, seedOrg, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { ZIdentityProviderList, ZOAuthClientList, ZOAuthGrantList } from './routes.ts';

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

async function seedDcrClient() {
  const [client] = await env.db.db
    .insert(oauthClients)
    .values({
      clientId: `dcr-${randomUUID()}`,
      kind: 'dcr',
      name: 'Cursor',
      redirectUris: ['http://127.0.0.1/cb'],
    })
    .returning();
  return client!;
}

/** A grant of `org`'s user to `clientId` (the row id), or to a fresh self-registered client. */
async function seedGrant(org: SeededOrg, userId: string, clientId?: string) {
  const [grant] = await env.db.db
    .insert(oauthGrants)
    .values({
      tenantId: org.tenant.id,
      userId,
      clientId: clientId ?? (await seedDcrClient()).id,
      scopes: ['mcp:tools'],
      gatewayIds: [],
    })
    .returning();
  return grant!;
}

const clientBody = (overrides: Record<string, unknown> = {}) => ({
  name: `App ${randomUUID().slice(0, 8)}`,
  redirectUris: ['https://app.example.com/callback'],
  ...overrides,
});

const clientRow = async (id: string) =>
  (await env.db.db.select().from(oauthClients).where(eq(oauthClients.id, id)))[0];

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

describe('registered OAuth clients over REST', () => {
  it('are registered, listed and removed by admins; a secret is shown once', async () => {
    const confidential = ok(
      await call('POST', '/oauth/clients', {
        token: a.adminToken,
        body: clientBody({ confidential: true }),
      }),
      201,
      ZCreatedOAuthClient,
    );
    expect(confidential).toMatchObject({ confidential: true, activeGrants: 0 });
    expect(confidential.clientSecret).toMatch(/^tgs_/);
    const publicClient = ok(
      await call('POST', '/oauth/clients', {
        token: a.adminToken,
        body: clientBody({
          redirectUris: ['http://localhost:8080/cb', 'http://localhost:8080/cb', 'com.example.app:/cb'],
        }),
      }),
      201,
      ZCreatedOAuthClient,
    );
    expect(publicClient).toMatchObject({
      confidential: false,
      clientSecret: null,
      redirectUris: ['http://localhost:8080/cb', 'com.example.app:/cb'],
    });

    const listed = await call('GET', '/oauth/clients', { token: a.adminToken });
    const { clients } = ok(listed, 200, ZOAuthClientList);
    expect(clients.map((c) => c.id)).toEqual(expect.arrayContaining([confidential.id, publicClient.id]));
    expect(JSON.stringify(listed.json)).not.toContain('clientSecret');
    expect(JSON.stringify(listed.json)).not.toContain(confidential.clientSecret!);

    const grant = await seedGrant(a, a.member.id, confidential.id);
    const listedAgain = ok(
      await call('GET', '/oauth/clients', { token: a.adminToken }),
      200,
      ZOAuthClientList,
    );
    expect(listedAgain.clients.find((c) => c.id === confidential.id)?.activeGrants).toBe(1);
    const deleted = ok(
      await call('DELETE', `/oauth/clients/${confidential.id}`, { token: a.adminToken }),
      200,
      ZDeletedOAuthClient,
    );
    expect(deleted).toEqual({ id: confidential.id, revokedGrants: 1 });
    expect(await clientRow(confidential.id)).toBeUndefined();
    expect(await env.bus.revocations.has(grantRevocationId(grant.id))).toBe(true);
    failed(
      await call('DELETE', `/oauth/clients/${confidential.id}`, { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
  });

  it('are refused to members (403) and for bad input (422)', async () => {
    const existing = ok(
      await call('POST', '/oauth/clients', { token: a.adminToken, body: clientBody() }),
      201,
      ZCreatedOAuthClient,
    );
    failed(await call('GET', '/oauth/clients', { token: a.memberToken }), 403, 'FORBIDDEN');
    failed(
      await call('POST', '/oauth/clients', { token: a.memberToken, body: clientBody() }),
      403,
      'FORBIDDEN',
    );
    failed(await call('DELETE', `/oauth/clients/${existing.id}`, { token: a.memberToken }), 403, 'FORBIDDEN');
    expect(await clientRow(existing.id)).toBeDefined();

    for (const body of [
      clientBody({ redirectUris: [] }),
      clientBody({ redirectUris: ['http://app.example.com/cb'] }),
      clientBody({ redirectUris: ['https://app.example.com/cb#frag'] }),
      clientBody({ redirectUris: ['javascript:alert(1)'] }),
      clientBody({ name: '  ' }),
      clientBody({ confidential: 'yes' }),
      clientBody({ clientSecret: 'chosen' }),
      { name: 'No URIs' },
    ]) {
      const error = failed(
        await call('POST', '/oauth/clients', { token: a.adminToken, body }),
        422,
        'INVALID',
      );
      expect(error.fields?.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
  });

  it('of another tenant, or self-registered ones, are neither listed nor removed', async () => {
    const ours = ok(
      await call('POST', '/oauth/clients', { token: a.adminToken, body: clientBody() }),
      201,
      ZCreatedOAuthClient,
    );
    const grant = await seedGrant(a, a.member.id, ours.id);
    const theirList = ok(await call('GET', '/oauth/clients', { token: b.adminToken }), 200, ZOAuthClientList);
    expect(theirList.clients.map((c) => c.id)).not.toContain(ours.id);
    failed(await call('DELETE', `/oauth/clients/${ours.id}`, { token: b.adminToken }), 404, 'NOT_FOUND');
    expect(await clientRow(ours.id)).toMatchObject({ tenantId: a.tenant.id });
    const ourList = ok(await call('GET', '/oauth/clients', { token: a.adminToken }), 200, ZOAuthClientList);
    expect(ourList.clients.find((c) => c.id === ours.id)?.activeGrants).toBe(1);
    expect(await env.bus.revocations.has(grantRevocationId(grant.id))).toBe(false);

    // Clients that registered themselves belong to no tenant: not this API's to remove.
    const dcr = await seedDcrClient();
    expect(ourList.clients.map((c) => c.id)).not.toContain(dcr.id);
    failed(await call('DELETE', `/oauth/clients/${dcr.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    expect(await clientRow(dcr.id)).toBeDefined();
  });
});

describe('sign-in settings over REST', () => {
  const setting = (org: SeededOrg) =>
    call('GET', '/settings/sign-in', { token: org.memberToken }).then((r) => ok(r, 200, ZJitUsersSetting));

  it('are read by members and changed by admins only', async () => {
    const org = await seedOrg(env.db);
    expect(await setting(org)).toEqual({ allowJitUsers: false });
    failed(
      await call('PUT', '/settings/sign-in', { token: org.memberToken, body: { allowJitUsers: true } }),
      403,
      'FORBIDDEN',
    );
    expect(await setting(org)).toEqual({ allowJitUsers: false });
    for (const body of [{}, { allowJitUsers: 'yes' }, { allowJitUsers: true, other: 1 }]) {
      failed(await call('PUT', '/settings/sign-in', { token: org.adminToken, body }), 422, 'INVALID');
    }
    const changed = ok(
      await call('PUT', '/settings/sign-in', { token: org.adminToken, body: { allowJitUsers: true } }),
      200,
      ZJitUsersSetting,
    );
    expect(changed).toEqual({ allowJitUsers: true });
    expect(await setting(org)).toEqual({ allowJitUsers: true });
  });

  it('of another tenant are neither read nor changed', async () => {
    const [ours, theirs] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
    ok(
      await call('PUT', '/settings/sign-in', { token: ours.adminToken, body: { allowJitUsers: true } }),
      200,
      ZJitUsersSetting,
    );
    expect(await setting(theirs)).toEqual({ allowJitUsers: false });
    ok(
      await call('PUT', '/settings/sign-in', { token: theirs.adminToken, body: { allowJitUsers: true } }),
      200,
      ZJitUsersSetting,
    );
    ok(
      await call('PUT', '/settings/sign-in', { token: theirs.adminToken, body: { allowJitUsers: false } }),
      200,
      ZJitUsersSetting,
    );
    expect(await setting(ours)).toEqual({ allowJitUsers: true });
    const [row] = await env.db.db.select().from(tenants).where(eq(tenants.id, ours.tenant.id));
    expect(row!.settings.allowJitUsers).toBe(true);
  });
});
