import { AppError } from '@toolgate/core/errors';
import { and, asc, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deleteRowsInChunks, type ExpireOptions } from './expire.ts';
import { memberships, teamMembers, teams, tenants, users, type MemberRole } from './schema/index.ts';

/**
 * Tenancy queries for the control plane: users, memberships, members and teams. Every
 * tenant-owned read or write takes `tenantId` and filters on it.
 */

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string | null;
  /** Null until the user proves the address (see packages/api email-verification.ts). */
  emailVerifiedAt: Date | null;
  /** Web sessions signed in before this are no longer valid (see `users.sessionsValidAfter`). */
  sessionsValidAfter: Date | null;
}

export interface MembershipRecord {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  role: MemberRole;
}

export interface MemberRecord {
  userId: string;
  name: string | null;
  email: string;
  role: MemberRole;
  joinedAt: Date;
}

export interface TeamRecord {
  id: string;
  slug: string;
  name: string;
  memberCount: number;
  createdAt: Date;
}

const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  passwordHash: users.passwordHash,
  emailVerifiedAt: users.emailVerifiedAt,
  sessionsValidAfter: users.sessionsValidAfter,
};

const emailMatches = (email: string) => sql`lower(${users.email}) = ${email.trim().toLowerCase()}`;

export async function findUserByEmail(db: Database, email: string): Promise<UserRecord | null> {
  const [row] = await db.select(userColumns).from(users).where(emailMatches(email));
  return row ?? null;
}

export async function findUserById(db: Database, userId: string): Promise<UserRecord | null> {
  const [row] = await db.select(userColumns).from(users).where(eq(users.id, userId));
  return row ?? null;
}

/** A user without a password (signed in through an identity provider). */
export async function insertUser(
  db: Database,
  values: { email: string; name: string | null; emailVerifiedAt?: Date },
): Promise<UserRecord> {
  const [row] = await db
    .insert(users)
    .values({ email: values.email, name: values.name, emailVerifiedAt: values.emailVerifiedAt })
    .onConflictDoNothing()
    .returning(userColumns);
  // Lost a race with a concurrent first sign-in of the same address: use the winner.
  return row ?? (await findUserByEmail(db, values.email))!;
}

export async function tenantSlugTaken(db: Database, slug: string): Promise<boolean> {
  const [row] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, slug));
  return row !== undefined;
}

export type WorkspaceOwner =
  | { userId: string }
  | { email: string; name: string | null; passwordHash: string | null; emailVerifiedAt?: Date };

/**
 * Creates a tenant and makes `owner` (an existing user, or a new one) its owner, in one
 * transaction. Throws CONFLICT with `details.field` "slug" or "email" when either is taken.
 */
export async function createWorkspace(
  db: Database,
  input: { slug: string; name: string; owner: WorkspaceOwner },
): Promise<{ tenantId: string; userId: string }> {
  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .insert(tenants)
      .values({ slug: input.slug, name: input.name })
      .onConflictDoNothing({ target: tenants.slug })
      .returning({ id: tenants.id });
    if (!tenant) throw new AppError('CONFLICT', 'this workspace URL is taken', { field: 'slug' });

    let userId: string;
    if ('userId' in input.owner) {
      userId = input.owner.userId;
    } else {
      const [user] = await tx
        .insert(users)
        .values({
          email: input.owner.email,
          name: input.owner.name,
          passwordHash: input.owner.passwordHash,
          emailVerifiedAt: input.owner.emailVerifiedAt,
        })
        .onConflictDoNothing()
        .returning({ id: users.id });
      if (!user) {
        throw new AppError('CONFLICT', 'an account with this email already exists', { field: 'email' });
      }
      userId = user.id;
    }
    await tx.insert(memberships).values({ tenantId: tenant.id, userId, role: 'owner' });
    return { tenantId: tenant.id, userId };
  });
}

const membershipColumns = {
  tenantId: tenants.id,
  tenantSlug: tenants.slug,
  tenantName: tenants.name,
  role: memberships.role,
};

/** The tenants a user belongs to, by name. */
export async function listUserMemberships(db: Database, userId: string): Promise<MembershipRecord[]> {
  return (
    db
      .select(membershipColumns)
      .from(memberships)
      .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
      // A deleted workspace is gone for its members at once; the worker purges it later.
      .where(and(eq(memberships.userId, userId), isNull(tenants.deletedAt)))
      .orderBy(asc(tenants.name), asc(tenants.slug))
  );
}

/** The user's membership in the tenant with this slug; null when either does not exist. */
export async function findMembershipBySlug(
  db: Database,
  { userId, tenantSlug }: { userId: string; tenantSlug: string },
): Promise<MembershipRecord | null> {
  const [row] = await db
    .select(membershipColumns)
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.userId, userId), eq(tenants.slug, tenantSlug), isNull(tenants.deletedAt)));
  return row ?? null;
}

export async function listTenantMembers(db: Database, tenantId: string): Promise<MemberRecord[]> {
  return db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, tenantId))
    .orderBy(asc(memberships.createdAt), asc(users.email));
}

export async function countTenantMembers(db: Database, tenantId: string): Promise<number> {
  return db.$count(memberships, eq(memberships.tenantId, tenantId));
}

export async function listTenantTeams(db: Database, tenantId: string): Promise<TeamRecord[]> {
  const rows = await db
    .select({
      id: teams.id,
      slug: teams.slug,
      name: teams.name,
      createdAt: teams.createdAt,
      memberCount: count(teamMembers.userId),
    })
    .from(teams)
    .leftJoin(teamMembers, and(eq(teamMembers.teamId, teams.id), eq(teamMembers.tenantId, tenantId)))
    .where(eq(teams.tenantId, tenantId))
    .groupBy(teams.id)
    .orderBy(asc(teams.name));
  return rows.map((r) => ({ ...r, memberCount: Number(r.memberCount) }));
}

export async function countTenantTeams(db: Database, tenantId: string): Promise<number> {
  return db.$count(teams, eq(teams.tenantId, tenantId));
}

/** Inserts a team; CONFLICT (`details.field` "slug") when the tenant already has that slug. */
export async function insertTeam(
  db: Database,
  values: { tenantId: string; slug: string; name: string },
): Promise<TeamRecord> {
  const [row] = await db
    .insert(teams)
    .values(values)
    .onConflictDoNothing({ target: [teams.tenantId, teams.slug] })
    .returning({ id: teams.id, slug: teams.slug, name: teams.name, createdAt: teams.createdAt });
  if (!row) throw new AppError('CONFLICT', 'a team with this slug already exists', { field: 'slug' });
  return { ...row, memberCount: 0 };
}

/**
 * Purges workspaces deleted by their owners: audit events in short chunks first (they can be
 * many), then the tenant row, whose foreign keys take everything else with it.
 */
export async function purgeDeletedTenants(db: Database, options: ExpireOptions = {}): Promise<number> {
  const deleted = await db.select({ id: tenants.id }).from(tenants).where(isNotNull(tenants.deletedAt));
  for (const { id } of deleted) {
    await deleteRowsInChunks(db, 'audit_events', sql`tenant_id = ${id}`, options);
    await deleteRowsInChunks(db, 'usage_rollups', sql`tenant_id = ${id}`, options);
    await db.delete(tenants).where(eq(tenants.id, id));
  }
  return deleted.length;
}
