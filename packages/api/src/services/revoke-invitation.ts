import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { invitations } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';

export interface RevokeInvitationOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  invitationId: string;
}

/**
 * Withdraws a pending invitation (owners and admins): its link stops working at once. Accepted
 * invitations are history, not revocable; another tenant's look the same as none.
 */
export async function revokeInvitation({
  db,
  tenantId,
  actor,
  invitationId,
}: RevokeInvitationOptions): Promise<{ id: string }> {
  requireAdmin(actor, 'revoke invitations');
  const [deleted] = await db
    .delete(invitations)
    .where(
      and(
        eq(invitations.tenantId, tenantId),
        eq(invitations.id, invitationId),
        isNull(invitations.acceptedAt),
      ),
    )
    .returning({ id: invitations.id });
  if (!deleted) throw new AppError('NOT_FOUND', 'Invitation not found');
  return deleted;
}
