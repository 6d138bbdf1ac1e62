import { effectiveLimits, resolvePlan, type PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import {
  invitations,
  memberships,
  teamMembers,
  teams,
  tenants,
  userIdentities,
  users,
  type identityProviders,
  type MemberRole,
} from '@toolgate/db/schema';
import { and, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { JWTPayload } from 'jose';

export type IdpMappingInput = Pick<
  typeof identityProviders.$inferSelect,
  'id' | 'tenantId' | 'userClaim' | 'groupsClaim'
>;

export interface IdpUser {
  userId: string;
  /** The member's address as Toolgate knows it (not necessarily the token's). */
  email?: string;
  /** The user's teams in the tenant, plus teams named (slug or name) by the groups claim. */
  teamIds: string[];
  role: MemberRole;
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
type Queryable = Database | Tx;

export interface ResolveIdpUserOptions {
  allowJit: boolean;
  /**
   * The deployment's plans: a just-in-time member is not added when the tenant already has as
   * many members (and pending invitations) as its plan and overrides allow. Absent: no limit.
   */
  plans?: PlansConfig;
}

/** Why a caller maps to nobody: not a member (and not added), or not added at the members limit. */
export type IdpRefusal = 'not_member' | 'member_limit';

export type IdpCaller = { user: IdpUser } | { user: null; reason: IdpRefusal };

/** Group names considered from one token; more are ignored (bounds the query). */
const MAX_GROUPS = 200;

/**
 * Maps the caller an identity provider vouches for to a member of the provider's tenant:
 * - `userClaim` 'email': the tenant member with that email (case-insensitive);
 * - `userClaim` 'sub': the user linked to (provider, sub); on first sight a token whose email is a
 *   tenant member's links that member.
 * Unknown callers become members ('member' role; no password) when `allowJit` and the token has an
 * email. Returns null when the caller maps to nobody, or to someone who is not (or no longer) a
 * member. An email the token marks unverified (`email_verified: false`) is never used. Safe under
 * concurrency: every insert is ON CONFLICT DO NOTHING and re-reads the winner.
 */
export async function resolveIdpUser(
  db: Database,
  idp: IdpMappingInput,
  claims: JWTPayload,
  options: ResolveIdpUserOptions,
): Promise<IdpUser | null> {
  return (await resolveIdpCaller(db, idp, claims, options)).user;
}

/** resolveIdpUser, saying why nobody was found: `member_limit` when JIT was refused by the plan. */
export async function resolveIdpCaller(
  db: Database,
  idp: IdpMappingInput,
  claims: JWTPayload,
  { allowJit, plans }: ResolveIdpUserOptions,
): Promise<IdpCaller> {
  const email = usableEmail(claims);
  let member: Member | null = null;
  let atLimit = false;
  const findOrJoin = async (address: string) => {
    const found = await memberByEmail(db, idp.tenantId, address);
    if (found || !allowJit) return found;
    const joined = await joinByJit(db, idp, address, plans);
    if (joined === 'member_limit') atLimit = true;
    return joined === 'member_limit' ? null : joined;
  };
  const nobody = (): IdpCaller => ({ user: null, reason: atLimit ? 'member_limit' : 'not_member' });
  if (idp.userClaim === 'email') {
    if (!email) return nobody();
    member = await findOrJoin(email);
  } else {
    const subject = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined;
    if (!subject) return nobody();
    const linked = await linkedUser(db, idp, subject);
    if (linked) {
      member = await membership(db, idp.tenantId, linked);
    } else if (email) {
      member = await findOrJoin(email);
      if (member) {
        const winner = await link(db, idp, subject, member.userId);
        // Someone else linked this subject meanwhile: theirs stands.
        if (winner !== member.userId) member = await membership(db, idp.tenantId, winner);
      }
    }
  }
  if (!member) return nobody();
  return {
    user: {
      ...member,
      teamIds: await teamIdsOf(db, idp.tenantId, member.userId, groupsOf(claims, idp.groupsClaim)),
    },
  };
}

interface Member {
  userId: string;
  role: MemberRole;
  email: string;
}

function usableEmail(claims: JWTPayload): string | undefined {
  const email = claims.email;
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) return undefined;
  if (claims.email_verified === false || claims.email_verified === 'false') return undefined;
  return email;
}

function groupsOf(claims: JWTPayload, groupsClaim: string | null): string[] {
  if (!groupsClaim) return [];
  const value = claims[groupsClaim];
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return [
    ...new Set(
      list
        .filter((g): g is string => typeof g === 'string' && g !== '')
        .slice(0, MAX_GROUPS)
        .map((g) => g.toLowerCase()),
    ),
  ];
}

async function membership(db: Queryable, tenantId: string, userId: string): Promise<Member | null> {
  const [row] = await db
    .select({ userId: memberships.userId, role: memberships.role, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
  return row ?? null;
}

async function memberByEmail(db: Queryable, tenantId: string, email: string): Promise<Member | null> {
  const [row] = await db
    .select({ userId: users.id, role: memberships.role, email: users.email })
    .from(users)
    .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.tenantId, tenantId)))
    .where(sql`lower(${users.email}) = lower(${email})`);
  return row ?? null;
}

async function linkedUser(db: Database, idp: IdpMappingInput, subject: string): Promise<string | undefined> {
  const [row] = await db
    .select({ userId: userIdentities.userId })
    .from(userIdentities)
    .where(
      and(
        eq(userIdentities.tenantId, idp.tenantId),
        eq(userIdentities.identityProviderId, idp.id),
        eq(userIdentities.subject, subject),
      ),
    );
  return row?.userId;
}

/** Links (provider, subject) to `userId` unless already linked; returns whoever is linked now. */
async function link(db: Database, idp: IdpMappingInput, subject: string, userId: string): Promise<string> {
  await db
    .insert(userIdentities)
    .values({ tenantId: idp.tenantId, identityProviderId: idp.id, subject, userId })
    .onConflictDoNothing();
  return (await linkedUser(db, idp, subject)) ?? userId;
}

/**
 * Just-in-time membership for a caller the tenant does not know. A new account is created without
 * a password. An existing account of that email joins only when it has no password either (it was
 * itself made by an identity provider): someone who signed up with a password is never pulled into
 * a workspace by another party's identity provider — they are invited instead.
 *
 * Like every other way in (the services' plan limits), it holds the tenant row while it counts,
 * so callers racing at the members limit queue and the second counts the first; members and
 * pending invitations both hold seats. Over the limit nobody is added: `member_limit`.
 */
async function joinByJit(
  db: Database,
  idp: IdpMappingInput,
  email: string,
  plans: PlansConfig | undefined,
): Promise<Member | null | 'member_limit'> {
  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .select({ plan: tenants.plan, overrides: tenants.limitOverrides })
      .from(tenants)
      .where(eq(tenants.id, idp.tenantId))
      .for('no key update');
    if (!tenant) return null;
    // The same caller may have joined while this one waited for the lock.
    const already = await memberByEmail(tx, idp.tenantId, email);
    if (already) return already;
    if (plans && (await membersFull(tx, idp.tenantId, email, plans, tenant))) return 'member_limit';
    // The workspace's own identity provider vouches for the address (an unverified one is never used).
    await tx
      .insert(users)
      .values({ email, emailVerifiedAt: sql`now()` })
      .onConflictDoNothing();
    const [user] = await tx
      .select({ id: users.id, passwordHash: users.passwordHash })
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`);
    if (!user || user.passwordHash !== null) return null;
    await tx
      .insert(memberships)
      .values({ tenantId: idp.tenantId, userId: user.id, role: 'member' })
      .onConflictDoNothing();
    return membership(tx, idp.tenantId, user.id);
  });
}

/**
 * Whether the tenant's members and live invitations already fill its plan's members limit. The
 * caller's own invitation, if any, is not counted: the seat it holds is the one they take.
 */
async function membersFull(
  tx: Tx,
  tenantId: string,
  email: string,
  plans: PlansConfig,
  tenant: { plan: string | null; overrides: Parameters<typeof effectiveLimits>[1] },
): Promise<boolean> {
  const { plan } = resolvePlan(plans, tenant.plan);
  const max = effectiveLimits(plan, tenant.overrides).limits.members;
  if (max === null) return false;
  const members = await tx.$count(memberships, eq(memberships.tenantId, tenantId));
  const invited = await tx.$count(
    invitations,
    and(
      eq(invitations.tenantId, tenantId),
      isNull(invitations.acceptedAt),
      gt(invitations.expiresAt, new Date()),
      sql`lower(${invitations.email}) <> lower(${email})`,
    ),
  );
  return members + invited >= max;
}

async function teamIdsOf(
  db: Queryable,
  tenantId: string,
  userId: string,
  groups: string[],
): Promise<string[]> {
  const own = db
    .select({ id: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.userId, userId)));
  const [mine, named] = await Promise.all([
    own,
    groups.length === 0
      ? Promise.resolve([])
      : db
          .select({ id: teams.id })
          .from(teams)
          .where(
            and(
              eq(teams.tenantId, tenantId),
              or(inArray(sql`lower(${teams.slug})`, groups), inArray(sql`lower(${teams.name})`, groups)),
            ),
          ),
  ]);
  return [...new Set([...mine, ...named].map((t) => t.id))].sort();
}
