import { randomUUID } from 'node:crypto';
import { parsePlansConfig } from '@toolgate/core/plans';
import { identityProviders, invitations, memberships } from '@toolgate/db/schema';
import { createTestDatabase, seedMember, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveIdpCaller, resolveIdpUser } from './idp-users.ts';

const plans = parsePlansConfig(
  JSON.stringify({ plans: { team: { title: 'Team', limits: { members: 3 } } } }),
  'test plans',
);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => db?.destroy());

async function seedIdp(tenantId: string) {
  const [row] = await db.db
    .insert(identityProviders)
    .values({
      tenantId,
      name: 'corp',
      issuer: `https://idp-${randomUUID()}.test`,
      jwksUri: 'https://idp.test/jwks',
      audience: 'toolgate',
      userClaim: 'sub',
    })
    .returning();
  return row!;
}
/** A tenant on the Team plan (3 members) with `members` members already. */
async function teamTenant(members: number) {
  const tenant = await seedTenant(db.db, { plan: 'team' });
  for (let i = 0; i < members; i++) await seedMember(db.db, tenant.id);
  return { tenant, idp: await seedIdp(tenant.id) };
}
const caller = () => ({ sub: randomUUID(), email: `jit-${randomUUID()}@corp.test` });
const memberCount = (tenantId: string) => db.db.$count(memberships, eq(memberships.tenantId, tenantId));
const invite = (tenantId: string, email: string) =>
  db.db.insert(invitations).values({
    tenantId,
    email,
    role: 'member',
    tokenHash: randomUUID(),
    expiresAt: new Date(Date.now() + 86_400_000),
  });

describe('just-in-time members and the plan', () => {
  it('refuses a new caller at the members limit with member_limit; known members still map', async () => {
    const { tenant, idp } = await teamTenant(2);
    const first = await resolveIdpCaller(db.db, idp, caller(), { allowJit: true, plans });
    expect(first.user).toMatchObject({ role: 'member' });
    const refused = await resolveIdpCaller(db.db, idp, caller(), { allowJit: true, plans });
    expect(refused).toEqual({ user: null, reason: 'member_limit' });
    expect(await memberCount(tenant.id)).toBe(3);
    // Nobody over the limit is removed, and the member who joined keeps mapping.
    const again = await resolveIdpUser(
      db.db,
      idp,
      { sub: 'unused', email: first.user!.email },
      { allowJit: true, plans },
    );
    expect(again?.userId).toBe(first.user!.userId);
    // Without JIT, an unknown caller is not a member (no limit involved).
    expect(await resolveIdpCaller(db.db, idp, caller(), { allowJit: false, plans })).toEqual({
      user: null,
      reason: 'not_member',
    });
  });

  it('admits exactly the free seats to racing callers, pending invitations holding seats', async () => {
    const { tenant, idp } = await teamTenant(1);
    await invite(tenant.id, `invited-${randomUUID()}@corp.test`);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => resolveIdpCaller(db.db, idp, caller(), { allowJit: true, plans })),
    );
    expect(results.filter((r) => r.user !== null)).toHaveLength(1);
    expect(results.filter((r) => r.user === null && r.reason === 'member_limit')).toHaveLength(5);
    expect(await memberCount(tenant.id)).toBe(2);
  });

  it("does not count the caller's own invitation against them", async () => {
    const { tenant, idp } = await teamTenant(2);
    const who = caller();
    await invite(tenant.id, who.email.toUpperCase());
    expect((await resolveIdpCaller(db.db, idp, who, { allowJit: true, plans })).user).not.toBeNull();
    expect(await memberCount(tenant.id)).toBe(3);
  });

  it("applies each tenant's own plan, and no limit without plans", async () => {
    const full = await teamTenant(3);
    const open = await seedTenant(db.db);
    const openIdp = await seedIdp(open.id);
    for (let i = 0; i < 4; i++) await seedMember(db.db, open.id);
    // The other tenant (default plan, unlimited) still admits callers while this one is full.
    expect((await resolveIdpCaller(db.db, openIdp, caller(), { allowJit: true, plans })).user).not.toBeNull();
    expect((await resolveIdpCaller(db.db, full.idp, caller(), { allowJit: true, plans })).user).toBeNull();
    // Without plans configured (as today's callers pass), JIT is unlimited.
    expect(await resolveIdpUser(db.db, full.idp, caller(), { allowJit: true })).not.toBeNull();
    expect(await memberCount(full.tenant.id)).toBe(4);
  });
});
