import { randomUUID } from 'node:crypto';
import { identityProviders, memberships, userIdentities, users } from '@toolgate/db/schema';
import {
  createTestDatabase,
  seedMember,
  seedTeam,
  seedTenant,
  seedUser,
  type TestDatabase,
} from '@toolgate/db/testing';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveIdpUser } from './idp-users.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => db?.destroy());

async function seedIdp(tenantId: string, overrides: Partial<typeof identityProviders.$inferInsert> = {}) {
  const [row] = await db.db
    .insert(identityProviders)
    .values({
      tenantId,
      name: 'corp',
      issuer: `https://idp-${randomUUID()}.test`,
      jwksUri: 'https://idp.test/jwks',
      audience: 'toolgate',
      ...overrides,
    })
    .returning();
  return row!;
}

describe('resolveIdpUser', () => {
  it('email mapping: a member of this tenant, case-insensitive; members of other tenants are nobody here', async () => {
    const tenant = await seedTenant(db.db);
    const other = await seedTenant(db.db);
    const idp = await seedIdp(tenant.id);
    const member = await seedMember(db.db, tenant.id, 'admin');
    const outsider = await seedMember(db.db, other.id);
    const found = await resolveIdpUser(
      db.db,
      idp,
      { email: member.email.toUpperCase() },
      { allowJit: false },
    );
    expect(found).toEqual({ userId: member.id, role: 'admin', email: member.email, teamIds: [] });
    expect(await resolveIdpUser(db.db, idp, { email: outsider.email }, { allowJit: false })).toBeNull();
    expect(await resolveIdpUser(db.db, idp, { sub: member.id }, { allowJit: false })).toBeNull();
    expect(
      await resolveIdpUser(db.db, idp, { email: member.email, email_verified: false }, { allowJit: false }),
    ).toBeNull();
  });

  it('sub mapping: links on first sight by email, then follows the link even when the email changes', async () => {
    const tenant = await seedTenant(db.db);
    const idp = await seedIdp(tenant.id, { userClaim: 'sub' });
    const member = await seedMember(db.db, tenant.id);
    const sub = `okta|${randomUUID()}`;
    expect(await resolveIdpUser(db.db, idp, { sub }, { allowJit: false })).toBeNull();
    expect(await resolveIdpUser(db.db, idp, { sub, email: member.email }, { allowJit: false })).toMatchObject(
      {
        userId: member.id,
      },
    );
    expect(
      await resolveIdpUser(db.db, idp, { sub, email: 'renamed@elsewhere.test' }, { allowJit: false }),
    ).toMatchObject({ userId: member.id });
    // The link does not outlive the membership.
    await db.db
      .delete(memberships)
      .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, member.id)));
    expect(await resolveIdpUser(db.db, idp, { sub }, { allowJit: false })).toBeNull();
  });

  it('JIT: only when allowed, only with an email, once under concurrency, never for a password account', async () => {
    const tenant = await seedTenant(db.db);
    const idp = await seedIdp(tenant.id, { userClaim: 'sub' });
    const email = `new-${randomUUID()}@corp.test`;
    const sub = randomUUID();
    expect(await resolveIdpUser(db.db, idp, { sub, email }, { allowJit: false })).toBeNull();
    expect(await resolveIdpUser(db.db, idp, { sub }, { allowJit: true })).toBeNull();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => resolveIdpUser(db.db, idp, { sub, email }, { allowJit: true })),
    );
    const ids = new Set(results.map((r) => r?.userId));
    expect(ids.size).toBe(1);
    expect(results[0]).toMatchObject({ role: 'member' });
    const created = await db.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`);
    expect(created).toHaveLength(1);
    expect(created[0]!.passwordHash).toBeNull();
    // The provider vouched for the address: nothing waits for an email verification.
    expect(created[0]!.emailVerifiedAt).toBeInstanceOf(Date);
    const links = await db.db.select().from(userIdentities).where(eq(userIdentities.subject, sub));
    expect(links.map((l) => l.userId)).toEqual([created[0]!.id]);

    const signedUp = await seedUser(db.db, { passwordHash: 'argon2-hash' });
    expect(
      await resolveIdpUser(db.db, idp, { sub: randomUUID(), email: signedUp.email }, { allowJit: true }),
    ).toBeNull();
  });

  it("teams: the user's own teams plus teams named by the groups claim (slug or name), this tenant only", async () => {
    const tenant = await seedTenant(db.db);
    const other = await seedTenant(db.db);
    const idp = await seedIdp(tenant.id, { groupsClaim: 'groups' });
    const member = await seedMember(db.db, tenant.id);
    const own = await seedTeam(db.db, tenant.id, [member.id]);
    const bySlug = await seedTeam(db.db, tenant.id);
    const foreign = await seedTeam(db.db, other.id);
    const found = await resolveIdpUser(
      db.db,
      idp,
      { email: member.email, groups: [bySlug.slug.toUpperCase(), foreign.slug, 42] },
      { allowJit: false },
    );
    expect(found?.teamIds).toEqual([own.id, bySlug.id].sort());
    const single = await resolveIdpUser(
      db.db,
      idp,
      { email: member.email, groups: bySlug.name },
      { allowJit: false },
    );
    expect(single?.teamIds).toEqual([own.id, bySlug.id].sort());
  });
});
