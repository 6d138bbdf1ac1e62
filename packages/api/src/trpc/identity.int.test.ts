import { randomUUID } from 'node:crypto';
import { grantRevocationId, sha256Hex } from '@toolgate/auth/constants';
import { reloadRevocations } from '@toolgate/auth/config-delivery';
import { createBus } from '@toolgate/bus';
import { oauthClients, oauthGrants, oauthRefreshTokens } from '@toolgate/db/schema';
import { createTestDatabase, seedGateway, seedMember, type TestDatabase } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const bus = createBus({ prefix: `trpc-identity-${randomUUID().slice(0, 8)}` });
const services = testServices({ bus });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  await reloadRevocations(db.db, bus);
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

const callerFor = (userId: string, tenantSlug: string) => callerAs(db.db, services, userId, tenantSlug);

/** Workspaces A (owner, member) and B (owner). */
async function world() {
  const suffix = randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const memberA = await seedMember(db.db, a.tenantId, 'member');
  return {
    a,
    b,
    memberA,
    ownerA: await callerFor(a.userId, a.tenantSlug),
    asMemberA: await callerFor(memberA.id, a.tenantSlug),
    ownerB: await callerFor(b.userId, b.tenantSlug),
  };
}

const idpInput = () => {
  const host = `idp-${randomUUID().slice(0, 8)}.example.com`;
  return { name: 'Entra', issuer: `https://${host}`, jwksUri: `https://${host}/keys`, audience: 'toolgate' };
};

/** A grant of `userId` in a tenant for a DCR client, with one refresh token. */
async function seedGrant(tenantId: string, userId: string) {
  const gateway = await seedGateway(db.db, tenantId);
  const [client] = await db.db
    .insert(oauthClients)
    .values({
      clientId: `dcr-${randomUUID()}`,
      kind: 'dcr',
      name: 'Cursor',
      redirectUris: ['http://127.0.0.1/cb'],
    })
    .returning();
  const [grant] = await db.db
    .insert(oauthGrants)
    .values({ tenantId, userId, clientId: client!.id, scopes: ['mcp:tools'], gatewayIds: [gateway.id] })
    .returning();
  await db.db.insert(oauthRefreshTokens).values({
    tokenHash: sha256Hex(randomUUID()),
    familyId: randomUUID(),
    tenantId,
    grantId: grant!.id,
    clientId: client!.id,
    userId,
    gatewayId: gateway.id,
    resource: 'http://mcp.test/x',
    scopes: ['mcp:tools'],
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return grant!;
}

describe('identityProviders', () => {
  it('owners manage them, members only read them, other workspaces neither', async () => {
    const { ownerA, asMemberA, ownerB } = await world();
    expect((await trpcError(asMemberA.identityProviders.create(idpInput()))).code).toBe('FORBIDDEN');
    const idp = await ownerA.identityProviders.create({ ...idpInput(), userClaim: 'sub', trustIdJag: true });
    expect(idp).toMatchObject({ userClaim: 'sub', trustIdJag: true, enabled: true });
    expect((await asMemberA.identityProviders.list()).map((p) => p.id)).toEqual([idp.id]);
    expect(await ownerB.identityProviders.list()).toEqual([]);

    expect(
      (await trpcError(asMemberA.identityProviders.update({ id: idp.id, patch: { enabled: false } }))).code,
    ).toBe('FORBIDDEN');
    expect(
      (await trpcError(ownerB.identityProviders.update({ id: idp.id, patch: { enabled: false } }))).code,
    ).toBe('NOT_FOUND');
    expect((await trpcError(ownerB.identityProviders.delete({ id: idp.id }))).code).toBe('NOT_FOUND');
    expect((await ownerA.identityProviders.update({ id: idp.id, patch: { enabled: false } })).enabled).toBe(
      false,
    );

    expect(
      (await trpcError(ownerA.identityProviders.create({ ...idpInput(), issuer: idp.issuer }))).code,
    ).toBe('CONFLICT');
    expect(
      (
        await trpcError(
          ownerA.identityProviders.create({ ...idpInput(), jwksUri: 'http://idp.example.com/k' }),
        )
      ).code,
    ).toBe('UNPROCESSABLE_CONTENT');

    await ownerA.identityProviders.delete({ id: idp.id });
    expect(await ownerA.identityProviders.list()).toEqual([]);
  });

  it("a gateway cannot name another workspace's identity provider", async () => {
    const { ownerA, ownerB } = await world();
    const theirs = await ownerB.identityProviders.create(idpInput());
    const mine = await ownerA.identityProviders.create(idpInput());
    const create = await trpcError(
      ownerA.gateways.create({
        slug: 'idp-gw',
        name: 'IdP',
        clientAuthMethods: ['idp_jwt'],
        identityProviderId: theirs.id,
      }),
    );
    expect(create.code).toBe('NOT_FOUND');
    const gw = await ownerA.gateways.create({
      slug: 'idp-gw',
      name: 'IdP',
      clientAuthMethods: ['idp_jwt'],
      identityProviderId: mine.id,
    });
    expect(gw.identityProviderId).toBe(mine.id);
    expect(
      (await trpcError(ownerA.gateways.update({ id: gw.id, patch: { identityProviderId: theirs.id } }))).code,
    ).toBe('NOT_FOUND');
    expect((await ownerA.gateways.get({ id: gw.id })).identityProviderId).toBe(mine.id);
    expect((await ownerA.identityProviders.list())[0]!.gateways).toEqual([
      { id: gw.id, slug: 'idp-gw', name: 'IdP' },
    ]);
  });

  it('just-in-time users are switched by owners and admins', async () => {
    const { ownerA, asMemberA, ownerB } = await world();
    expect(await asMemberA.identityProviders.jitUsers()).toEqual({ allowJitUsers: false });
    expect((await trpcError(asMemberA.identityProviders.setJitUsers({ allowJitUsers: true }))).code).toBe(
      'FORBIDDEN',
    );
    await ownerA.identityProviders.setJitUsers({ allowJitUsers: true });
    expect(await asMemberA.identityProviders.jitUsers()).toEqual({ allowJitUsers: true });
    expect(await ownerB.identityProviders.jitUsers()).toEqual({ allowJitUsers: false });
  });
});

describe('oauth', () => {
  it('members list and revoke their own grants; owners any; other workspaces none', async () => {
    const { a, memberA, ownerA, asMemberA, ownerB } = await world();
    const own = await seedGrant(a.tenantId, memberA.id);
    const owners = await seedGrant(a.tenantId, a.userId);

    expect((await asMemberA.oauth.grants()).map((g) => g.id)).toEqual([own.id]);
    expect((await ownerA.oauth.grants()).map((g) => g.id).sort()).toEqual([own.id, owners.id].sort());
    expect(await ownerB.oauth.grants()).toEqual([]);

    expect((await trpcError(asMemberA.oauth.revokeGrant({ id: owners.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(ownerB.oauth.revokeGrant({ id: own.id }))).code).toBe('NOT_FOUND');
    expect(await bus.revocations.has(grantRevocationId(own.id))).toBe(false);

    const revoked = await asMemberA.oauth.revokeGrant({ id: own.id });
    expect(revoked.status).toBe('revoked');
    expect(await bus.revocations.has(grantRevocationId(own.id))).toBe(true);
    const tokens = await db.db
      .select()
      .from(oauthRefreshTokens)
      .where(eq(oauthRefreshTokens.grantId, own.id));
    expect(tokens.map((t) => t.revokedAt)).toEqual([expect.any(Date)]);
    expect((await ownerA.oauth.revokeGrant({ id: owners.id })).status).toBe('revoked');
  });

  it('owners register clients for their workspace; members and other workspaces cannot touch them', async () => {
    const { ownerA, asMemberA, ownerB } = await world();
    const input = { name: 'Agent', redirectUris: ['https://agent.example.com/cb'], confidential: true };
    expect((await trpcError(asMemberA.oauth.createClient(input))).code).toBe('FORBIDDEN');
    expect((await trpcError(asMemberA.oauth.clients())).code).toBe('FORBIDDEN');
    const created = await ownerA.oauth.createClient(input);
    expect(created.clientSecret).toMatch(/^tgs_/);
    expect((await ownerA.oauth.clients()).map((c) => c.id)).toEqual([created.id]);
    expect(await ownerB.oauth.clients()).toEqual([]);
    expect((await trpcError(ownerB.oauth.deleteClient({ id: created.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(asMemberA.oauth.deleteClient({ id: created.id }))).code).toBe('FORBIDDEN');
    await ownerA.oauth.deleteClient({ id: created.id });
    expect(await ownerA.oauth.clients()).toEqual([]);
  });
});
