import { randomBytes } from 'node:crypto';
import type { Database } from '../client.ts';
import { memberships, teamMembers, teams, tenants, users, type MemberRole } from '../schema/index.ts';

/** Seed factories: random slugs so tests never collide, explicit overrides for what matters. */
export const randomSlug = (prefix = 't') => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function seedTenant(db: Database, overrides: Partial<typeof tenants.$inferInsert> = {}) {
  const slug = overrides.slug ?? randomSlug('tenant');
  const [row] = await db
    .insert(tenants)
    .values({ slug, name: slug, ...overrides })
    .returning();
  return row!;
}

export async function seedUser(db: Database, overrides: Partial<typeof users.$inferInsert> = {}) {
  const [row] = await db
    .insert(users)
    .values({ email: `${randomSlug('user')}@example.test`, ...overrides })
    .returning();
  return row!;
}

export async function seedMember(db: Database, tenantId: string, role: MemberRole = 'member') {
  const user = await seedUser(db);
  await db.insert(memberships).values({ tenantId, userId: user.id, role });
  return user;
}

export async function seedTeam(db: Database, tenantId: string, memberIds: string[] = []) {
  const slug = randomSlug('team');
  const [team] = await db.insert(teams).values({ tenantId, slug, name: slug }).returning();
  if (memberIds.length > 0) {
    await db.insert(teamMembers).values(memberIds.map((userId) => ({ tenantId, teamId: team!.id, userId })));
  }
  return team!;
}
