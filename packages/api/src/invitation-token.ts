import type { Database } from '@toolgate/db/client';
import { invitations, tenants, users, type MemberRole } from '@toolgate/db/schema';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { linkProblemError } from './link-problems.ts';
import { hashLinkToken, isWellFormedLinkToken } from './link-token.ts';
import type { LinkProblem } from './schemas/accounts.ts';
import type { Tx } from './workspace-lock.ts';

/**
 * Invitation links: looked up by the token's hash (the token is the credential, so these reads
 * are not scoped by a tenant the caller names — the row says which tenant it is for).
 */
export interface InvitationByToken {
  id: string;
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  email: string;
  role: MemberRole;
  inviterName: string | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  expired: boolean;
}

export async function findInvitationByToken(db: Database, token: unknown): Promise<InvitationByToken | null> {
  if (!isWellFormedLinkToken(token)) return null;
  const [row] = await db
    .select({
      id: invitations.id,
      tenantId: invitations.tenantId,
      tenantSlug: tenants.slug,
      tenantName: tenants.name,
      email: invitations.email,
      role: invitations.role,
      inviterName: sql<string | null>`coalesce(${users.name}, ${users.email})`,
      expiresAt: invitations.expiresAt,
      acceptedAt: invitations.acceptedAt,
      expired: sql<boolean>`${invitations.expiresAt} <= now()`,
    })
    .from(invitations)
    .innerJoin(tenants, eq(tenants.id, invitations.tenantId))
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .where(eq(invitations.tokenHash, hashLinkToken(token)));
  return row ?? null;
}

export function invitationProblem(invitation: InvitationByToken | null): LinkProblem | null {
  if (!invitation) return 'invalid';
  if (invitation.acceptedAt) return 'used';
  if (invitation.expired) return 'expired';
  return null;
}

/** The invitation if its link still works, else the link's problem as an AppError. */
export function requireUsableInvitation(invitation: InvitationByToken | null): InvitationByToken {
  const problem = invitationProblem(invitation);
  if (problem) throw linkProblemError('invitation', problem);
  return invitation!;
}

/**
 * Marks the invitation accepted inside the caller's transaction, unless someone else already
 * did, it was revoked, or it expired meanwhile (then the matching link error). Returns its role.
 */
export async function claimInvitation(tx: Tx, invitation: InvitationByToken): Promise<MemberRole> {
  const [claimed] = await tx
    .update(invitations)
    .set({ acceptedAt: sql`now()` })
    .where(
      and(
        eq(invitations.tenantId, invitation.tenantId),
        eq(invitations.id, invitation.id),
        isNull(invitations.acceptedAt),
        gt(invitations.expiresAt, sql`now()`),
      ),
    )
    .returning({ role: invitations.role });
  if (claimed) return claimed.role;
  const [now] = await tx
    .select({ acceptedAt: invitations.acceptedAt })
    .from(invitations)
    .where(and(eq(invitations.tenantId, invitation.tenantId), eq(invitations.id, invitation.id)));
  throw linkProblemError('invitation', !now ? 'invalid' : now.acceptedAt ? 'used' : 'expired');
}
