import { hashApiToken } from '@toolgate/core/api-token';
import { apiTokens } from '@toolgate/db/schema';
import { seedApiToken, seedGateway, seedTeam } from '@toolgate/db/testing';
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
import { authenticateApiToken } from './authenticate-api-token.ts';
import { createApiToken } from './create-api-token.ts';
import { listApiTokens } from './list-api-tokens.ts';
import { revokeApiToken } from './revoke-api-token.ts';

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

describe('API tokens', () => {
  it('returns the plaintext once and stores only its hash', async () => {
    const created = await createApiToken({
      ...opts(a),
      input: { name: 'ci', scope: 'org', capabilities: ['mcp', 'admin', 'mcp'] },
    });
    expect(created.token).toMatch(/^tg_[0-9A-Za-z]{46}$/);
    expect(created).toMatchObject({
      scope: 'org',
      capabilities: ['mcp', 'admin'],
      userId: null,
      revokedAt: null,
    });
    expect(created.token.startsWith(created.displayPrefix)).toBe(true);
    const [row] = await env.db.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row!.tokenHash).toBe(hashApiToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const listed = await listApiTokens(opts(a));
    const mine = listed.find((t) => t.id === created.id)!;
    expect(mine).not.toHaveProperty('token');
    expect(mine).not.toHaveProperty('tokenHash');
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(JSON.stringify(listed)).not.toContain(row!.tokenHash);
  });

  it('lets members create user tokens for themselves only', async () => {
    const own = await createApiToken({ ...opts(a, 'member'), input: { name: 'laptop' } });
    expect(own).toMatchObject({ scope: 'user', userId: a.member.id, capabilities: ['mcp'] });
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    expect(
      (await failureOf(() => createApiToken({ ...opts(a, 'member'), input: { name: 'x', scope: 'org' } })))
        .code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await failureOf(() =>
          createApiToken({ ...opts(a, 'member'), input: { name: 'x', scope: 'team', teamId: team.id } }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    // Members see their own tokens, not the others'.
    const visible = await listApiTokens(opts(a, 'member'));
    expect(visible.every((t) => t.userId === a.member.id || t.createdBy === a.member.id)).toBe(true);
    expect(visible.map((t) => t.id)).toContain(own.id);
  });

  it('lets owners and admins create team and org tokens that act for no user', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const soon = new Date(Date.now() + 7 * 86_400_000).toISOString();
    for (const who of ['owner', 'admin'] as const) {
      const teamToken = await createApiToken({
        ...opts(a, who),
        input: { name: `${who} team`, scope: 'team', teamId: team.id, expiresAt: soon },
      });
      expect(teamToken).toMatchObject({
        scope: 'team',
        teamId: team.id,
        userId: null,
        createdBy: a.actors[who].userId,
        capabilities: ['mcp'],
        expiresAt: soon,
      });
      const orgToken = await createApiToken({ ...opts(a, who), input: { name: `${who} org`, scope: 'org' } });
      expect(orgToken).toMatchObject({ scope: 'org', teamId: null, userId: null, expiresAt: null });
    }
    // A team token acts as a member of no user: it cannot mint team or org tokens itself.
    const teamToken = await seedApiToken(env.db.db, a.tenant.id, { scope: 'team', teamId: team.id });
    const asTeamToken = { userId: null, role: 'member' as const, tokenId: teamToken.id };
    for (const input of [
      { name: 'x', scope: 'org' as const },
      { name: 'x', scope: 'team' as const, teamId: team.id },
    ]) {
      expect((await failureOf(() => createApiToken({ ...opts(a), actor: asTeamToken, input }))).code).toBe(
        'FORBIDDEN',
      );
    }
  });

  it('names the field when scope and team do not fit together', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const before = (await listApiTokens(opts(a))).length;
    const noTeam = await failureOf(() => createApiToken({ ...opts(a), input: { name: 'x', scope: 'team' } }));
    expect(noTeam.code).toBe('INVALID');
    expect(noTeam.details!.fields).toEqual([{ path: 'teamId', message: 'a team token needs teamId' }]);
    for (const scope of ['user', 'org'] as const) {
      const extra = await failureOf(() =>
        createApiToken({ ...opts(a), input: { name: 'x', scope, teamId: team.id } }),
      );
      expect(extra.code).toBe('INVALID');
      expect(extra.details!.fields).toEqual([
        { path: 'teamId', message: `a ${scope} token takes no teamId` },
      ]);
    }
    expect(await listApiTokens(opts(a))).toHaveLength(before);
  });

  it('validates team, expiry and capabilities', async () => {
    const theirTeam = await seedTeam(env.db.db, b.tenant.id);
    expect(
      (
        await failureOf(() =>
          createApiToken({ ...opts(a), input: { name: 'x', scope: 'team', teamId: theirTeam.id } }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    const past = await failureOf(() =>
      createApiToken({ ...opts(a), input: { name: 'x', expiresAt: '2001-01-01T00:00:00Z' } }),
    );
    expect(past.code).toBe('INVALID');
    expect(past.details!.fields).toEqual([{ path: 'expiresAt', message: 'must be in the future' }]);
    const none = await failureOf(() =>
      createApiToken({ ...opts(a), input: { name: 'x', capabilities: [] } }),
    );
    expect(none.code).toBe('INVALID');
    // A token acting for no user cannot make a user token.
    const orgActor = { userId: null, role: 'admin' as const };
    expect(
      (
        await failureOf(() =>
          createApiToken({ ...opts(a), actor: orgActor, input: { name: 'x', scope: 'user' } }),
        )
      ).code,
    ).toBe('INVALID');
  });

  it('revokes: sets revokedAt, tells every replica, and the token stops authenticating', async () => {
    const created = await createApiToken({
      ...opts(a),
      input: { name: 'to revoke', scope: 'org', capabilities: ['admin'] },
    });
    await expect(
      authenticateApiToken({ db: env.db.db, token: created.token, capability: 'admin' }),
    ).resolves.toMatchObject({
      tenantId: a.tenant.id,
      tenantSlug: a.tenant.slug,
      actor: { role: 'admin', userId: null },
    });
    const replica = await recordInvalidations(env.newBus());
    try {
      const revoked = await revokeApiToken({ ...opts(a), tokenId: created.id });
      expect(revoked.revokedAt).not.toBeNull();
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'token',
          tenantId: a.tenant.id,
          tokenHash: hashApiToken(created.token),
          reason: 'token revoked',
        }),
      );
    } finally {
      await replica.stop();
    }
    const refused = await failureOf(() =>
      authenticateApiToken({ db: env.db.db, token: created.token, capability: 'admin' }),
    );
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', message: 'The API token has been revoked' });
    // Revoking again keeps the first time.
    const again = await revokeApiToken({ ...opts(a), tokenId: created.id });
    expect(again.revokedAt).toBe((await listApiTokens(opts(a))).find((t) => t.id === created.id)!.revokedAt);
  });

  it("restricts a token to chosen gateways of its tenant, refusing another tenant's gateway as unknown", async () => {
    const [one, two] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    const created = await createApiToken({
      ...opts(a, 'member'),
      input: { name: 'one gateway', gatewayIds: [one.id, one.id] },
    });
    expect(created.gatewayIds).toEqual([one.id]);
    const [row] = await env.db.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row!.gatewayIds).toEqual([one.id]);
    expect((await createApiToken({ ...opts(a), input: { name: 'all' } })).gatewayIds).toBeNull();
    expect(
      (await createApiToken({ ...opts(a), input: { name: 'two', gatewayIds: [one.id, two.id] } })).gatewayIds,
    ).toHaveLength(2);

    const theirs = await seedGateway(env.db.db, b.tenant.id);
    const foreign = await failureOf(() =>
      createApiToken({ ...opts(a), input: { name: 'foreign', gatewayIds: [theirs.id] } }),
    );
    expect(foreign).toMatchObject({ code: 'NOT_FOUND', details: { fields: [{ path: 'gatewayIds' }] } });
    const empty = await failureOf(() =>
      createApiToken({ ...opts(a), input: { name: 'none', gatewayIds: [] } }),
    );
    expect(empty).toMatchObject({ code: 'INVALID' });
  });

  it("cannot revoke another tenant's token, nor a member another member's", async () => {
    const theirs = await seedApiToken(env.db.db, b.tenant.id);
    expect((await failureOf(() => revokeApiToken({ ...opts(a), tokenId: theirs.id }))).code).toBe(
      'NOT_FOUND',
    );
    const colleague = await createApiToken({ ...opts(a, 'otherMember'), input: { name: 'colleague' } });
    expect(
      (await failureOf(() => revokeApiToken({ ...opts(a, 'member'), tokenId: colleague.id }))).code,
    ).toBe('NOT_FOUND');
    const [row] = await env.db.db.select().from(apiTokens).where(eq(apiTokens.id, theirs.id));
    expect(row!.revokedAt).toBeNull();
  });
});

describe('authenticating API tokens', () => {
  it('derives the actor from the token scope and the user role', async () => {
    const member = await authenticateApiToken({ db: env.db.db, token: a.memberToken, capability: 'admin' });
    expect(member.actor).toMatchObject({ userId: a.member.id, role: 'member' });
    const adminUser = await seedApiToken(env.db.db, a.tenant.id, {
      scope: 'user',
      userId: a.admin.id,
      capabilities: ['admin'],
    });
    expect(
      (await authenticateApiToken({ db: env.db.db, token: adminUser.token, capability: 'admin' })).actor,
    ).toMatchObject({ userId: a.admin.id, role: 'admin' });
  });

  it('refuses malformed, unknown, expired tokens and missing capabilities', async () => {
    const auth = (token: string) =>
      failureOf(() => authenticateApiToken({ db: env.db.db, token, capability: 'admin' }));
    expect((await auth('nope')).code).toBe('UNAUTHORIZED');
    expect((await auth(`tg_${'a'.repeat(46)}`)).code).toBe('UNAUTHORIZED');
    const expired = await seedApiToken(env.db.db, a.tenant.id, {
      capabilities: ['admin'],
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await auth(expired.token)).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'The API token has expired',
    });
    const mcpOnly = await seedApiToken(env.db.db, a.tenant.id, { capabilities: ['mcp'] });
    expect((await auth(mcpOnly.token)).code).toBe('FORBIDDEN');
  });
});
