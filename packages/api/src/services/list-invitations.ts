import type { Database } from '@toolgate/db/client';
import { invitations, users } from '@toolgate/db/schema';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import type { Invitation } from '../schemas/invitations.ts';
import { invitationColumns, toInvitation } from '../views/invitation.ts';

export interface ListInvitationsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/** Invitations not yet accepted (expired ones included, marked), newest first; owners and admins. */
export async function listInvitations({
  db,
  tenantId,
  actor,
}: ListInvitationsOptions): Promise<Invitation[]> {
  requireAdmin(actor, 'see invitations');
  const rows = await db
    .select(invitationColumns)
    .from(invitations)
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .where(and(eq(invitations.tenantId, tenantId), isNull(invitations.acceptedAt)))
    .orderBy(desc(invitations.createdAt));
  return rows.map(toInvitation);
}
