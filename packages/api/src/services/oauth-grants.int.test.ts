import { randomBytes, randomUUID } from 'node:crypto';
import { grantRevocationId, sha256Hex } from '@toolgate/auth/constants';
import { oauthClients, oauthGrants, oauthRefreshTokens } from '@toolgate/db/schema';
import { seedGateway } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createOAuthClient } from './create-oauth-client.ts';
import { deleteOAuthClient } from './delete-oauth-client.ts';
import { listOAuthClients } from './list-oauth-clients.ts';
import { listOAuthGrants } from './list-oauth-grants.ts';
import { revokeOAuthGrant } from './revoke-oauth-grant.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => actingAs(env, org, who);

/** A DCR client (no tenant) with a user's grant in `org` and two live refresh tokens. */
async function seedGrant(org: SeededOrg, userId: string, clientId?: string) {
  const db = env.db.db;
  const gateway = await seedGateway(db, org.tenant.id, { name: `GW ${randomBytes(2).toString('hex')}` });
  const client =
    clientId ??
    (
      await db
        .insert(oauthClients)
        .values({
          clientId: `dcr-${randomUUID()}`,
          kind: 'dcr',
          name: 'Claude Desktop',
          redirectUris: ['http://127.0.0.1:33418/callback'],
        })
        .returning()
    )[0]!.id;
  const [grant] = await db
    .insert(oauthGrants)
    .values({
      tenantId: org.tenant.id,
      userId,
      clientId: client,
      scopes: ['mcp:read', 'mcp:tools'],
      gatewayIds: [gateway.id, randomUUID()],
    })
    .returning();
  const familyId = randomUUID();
  const refresh = (i: number) => ({
    tokenHash: sha256Hex(`r-${grant!.id}-${i}`),
    familyId,
    tenantId: org.tenant.id,
    grantId: grant!.id,
    clientId: client,
    userId,
    gatewayId: gateway.id,
    resource: `http://mcp.test/mcp/${org.tenant.slug}/${gateway.slug}`,
    scopes: ['mcp:tools'],
    expiresAt: new Date(Date.now() + 3600_000),
  });
  await db.insert(oauthRefreshTokens).values([refresh(1), refresh(2)]);
  return { grant: grant!, gateway, clientId: client };
}

const refreshTokensOf = (grantId: string) =>
  env.db.db.select().from(oauthRefreshTokens).where(eq(oauthRefreshTokens.grantId, grantId));

describe('OAuth grants', () => {
  it('are listed with client, user and gateway names: all for admins, their own for members', async () => {
    const mine = await seedGrant(a, a.member.id);
    const other = await seedGrant(a, a.otherMember.id);
    const all = await listOAuthGrants(opts(a));
    const listed = all.find((g) => g.id === mine.grant.id)!;
    expect(listed).toMatchObject({
      client: { name: 'Claude Desktop', kind: 'dcr' },
      user: { id: a.member.id },
      scopes: ['mcp:read', 'mcp:tools'],
      // The approved gateway that no longer exists is left out.
      gateways: [{ id: mine.gateway.id, slug: mine.gateway.slug, name: mine.gateway.name }],
      status: 'active',
      revokedAt: null,
    });
    expect(all.map((g) => g.id)).toContain(other.grant.id);
    const own = await listOAuthGrants(opts(a, 'member'));
    expect(own.map((g) => g.id)).toContain(mine.grant.id);
    expect(own.every((g) => g.user.id === a.member.id)).toBe(true);
    expect((await listOAuthGrants(opts(b))).map((g) => g.id)).not.toContain(mine.grant.id);
  });

  it('revoking ends the grant, its refresh tokens and its access tokens on every proxy', async () => {
    const { grant } = await seedGrant(a, a.member.id);
    const replica = await recordInvalidations(env.newBus());
    try {
      expect(await env.bus.revocations.has(grantRevocationId(grant.id))).toBe(false);
      const revoked = await revokeOAuthGrant({ ...opts(a, 'member'), grantId: grant.id });
      expect(revoked).toMatchObject({ id: grant.id, status: 'revoked' });
      expect(revoked.revokedAt).not.toBeNull();
      const [row] = await env.db.db.select().from(oauthGrants).where(eq(oauthGrants.id, grant.id));
      expect(row!.revokedAt).toBeInstanceOf(Date);
      const tokens = await refreshTokensOf(grant.id);
      expect(tokens).toHaveLength(2);
      expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
      expect(await env.newBus().revocations.has(grantRevocationId(grant.id))).toBe(true);
      await eventually(() =>
        expect(replica.messages).toContainEqual(
          expect.objectContaining({ tenantId: a.tenant.id, revokedId: grantRevocationId(grant.id) }),
        ),
      );
      // Again: still revoked, at the first time.
      const again = await revokeOAuthGrant({ ...opts(a), grantId: grant.id });
      expect(again.revokedAt).toBe(revoked.revokedAt);
    } finally {
      await replica.stop();
    }
  });

  it("members cannot revoke others' grants; admins can", async () => {
    const { grant } = await seedGrant(a, a.otherMember.id);
    expect((await failureOf(() => revokeOAuthGrant({ ...opts(a, 'member'), grantId: grant.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await refreshTokensOf(grant.id)).every((t) => t.revokedAt === null)).toBe(true);
    expect(await env.bus.revocations.has(grantRevocationId(grant.id))).toBe(false);
    expect((await revokeOAuthGrant({ ...opts(a), grantId: grant.id })).status).toBe('revoked');
  });

  it("of another tenant cannot be revoked, even by its owner's id", async () => {
    const { grant } = await seedGrant(b, b.member.id);
    expect((await failureOf(() => revokeOAuthGrant({ ...opts(a, 'owner'), grantId: grant.id }))).code).toBe(
      'NOT_FOUND',
    );
    const [row] = await env.db.db.select().from(oauthGrants).where(eq(oauthGrants.id, grant.id));
    expect(row!.revokedAt).toBeNull();
    expect((await refreshTokensOf(grant.id)).every((t) => t.revokedAt === null)).toBe(true);
    expect(await env.bus.revocations.has(grantRevocationId(grant.id))).toBe(false);
  });
});

describe('pre-registered OAuth clients', () => {
  it('show a confidential client secret once and store its hash', async () => {
    const created = await createOAuthClient({
      ...opts(a),
      input: {
        name: 'Internal agent',
        redirectUris: [
          'https://agent.example.com/cb',
          'http://localhost:8080/cb',
          'https://agent.example.com/cb',
        ],
        confidential: true,
      },
    });
    expect(created).toMatchObject({
      name: 'Internal agent',
      redirectUris: ['https://agent.example.com/cb', 'http://localhost:8080/cb'],
      confidential: true,
      activeGrants: 0,
    });
    expect(created.clientSecret).toMatch(/^tgs_/);
    const [row] = await env.db.db.select().from(oauthClients).where(eq(oauthClients.id, created.id));
    expect(row).toMatchObject({
      kind: 'preregistered',
      tenantId: a.tenant.id,
      clientSecretHash: sha256Hex(created.clientSecret!),
    });
    const listed = await listOAuthClients(opts(a));
    expect(listed.map((c) => c.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.clientSecret!);
    expect((await listOAuthClients(opts(b))).map((c) => c.id)).not.toContain(created.id);

    const pub = await createOAuthClient({
      ...opts(a),
      input: { name: 'CLI', redirectUris: ['com.example.cli:/cb'] },
    });
    expect(pub).toMatchObject({ confidential: false, clientSecret: null });
  });

  it('refuse unsafe redirect URIs with a field message', async () => {
    for (const uri of [
      'http://evil.example.com/cb',
      'javascript:alert(1)',
      'https://x.example.com/cb#frag',
      'nonsense',
    ]) {
      const err = await failureOf(() =>
        createOAuthClient({ ...opts(a), input: { name: 'x', redirectUris: [uri] } }),
      );
      expect(err.code, uri).toBe('INVALID');
      const fields = err.details?.fields as { path: string }[];
      expect(
        fields.map((f) => f.path),
        uri,
      ).toEqual(['redirectUris.0']);
    }
  });

  it('are managed by owners and admins only', async () => {
    const input = { name: 'x', redirectUris: ['https://x.example.com/cb'] };
    expect((await failureOf(() => createOAuthClient({ ...opts(a, 'member'), input }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await failureOf(() => listOAuthClients(opts(a, 'member')))).code).toBe('FORBIDDEN');
    const created = await createOAuthClient({ ...opts(a), input });
    expect(
      (await failureOf(() => deleteOAuthClient({ ...opts(a, 'member'), clientId: created.id }))).code,
    ).toBe('FORBIDDEN');
  });

  it('deleting one removes its grants and refuses their access tokens', async () => {
    const created = await createOAuthClient({
      ...opts(a),
      input: { name: 'Going away', redirectUris: ['https://gone.example.com/cb'] },
    });
    const { grant } = await seedGrant(a, a.member.id, created.id);
    expect((await listOAuthClients(opts(a))).find((c) => c.id === created.id)?.activeGrants).toBe(1);
    expect(await deleteOAuthClient({ ...opts(a), clientId: created.id })).toEqual({
      id: created.id,
      revokedGrants: 1,
    });
    expect(await env.db.db.select().from(oauthGrants).where(eq(oauthGrants.id, grant.id))).toEqual([]);
    expect(await refreshTokensOf(grant.id)).toEqual([]);
    expect(await env.bus.revocations.has(grantRevocationId(grant.id))).toBe(true);
  });

  it('of another tenant, and tenant-less DCR clients, cannot be deleted', async () => {
    const theirs = await createOAuthClient({
      ...opts(b),
      input: { name: 'B app', redirectUris: ['https://b.example.com/cb'] },
    });
    expect(
      (await failureOf(() => deleteOAuthClient({ ...opts(a, 'owner'), clientId: theirs.id }))).code,
    ).toBe('NOT_FOUND');
    const { clientId: dcr } = await seedGrant(a, a.member.id);
    expect((await failureOf(() => deleteOAuthClient({ ...opts(a, 'owner'), clientId: dcr }))).code).toBe(
      'NOT_FOUND',
    );
    expect(await env.db.db.select().from(oauthClients).where(eq(oauthClients.id, theirs.id))).toHaveLength(1);
    expect(await env.db.db.select().from(oauthClients).where(eq(oauthClients.id, dcr))).toHaveLength(1);
  });
});
