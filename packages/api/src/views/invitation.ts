import type { Database } from '@toolgate/db/client';
import { invitations, users, type MemberRole } from '@toolgate/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import { toIso } from '../schemas/common.ts';
import type { Invitation } from '../schemas/invitations.ts';

/** Columns for `toInvitation`; select from invitations left-joined to users on invitedBy. */
export const invitationColumns = {
  id: invitations.id,
  email: invitations.email,
  role: invitations.role,
  createdAt: invitations.createdAt,
  expiresAt: invitations.expiresAt,
  expired: sql<boolean>`${invitations.expiresAt} <= now()`,
  inviterId: users.id,
  inviterName: users.name,
  inviterEmail: users.email,
};

export interface InvitationRow {
  id: string;
  email: string;
  role: MemberRole;
  createdAt: Date;
  expiresAt: Date;
  expired: boolean;
  inviterId: string | null;
  inviterName: string | null;
  inviterEmail: string | null;
}

/** One invitation of the tenant as `toInvitation` takes it (read inside the issuing transaction). */
export async function selectInvitationRow(
  db: Pick<Database, 'select'>,
  tenantId: string,
  invitationId: string,
): Promise<InvitationRow> {
  const [row] = await db
    .select(invitationColumns)
    .from(invitations)
    .leftJoin(users, eq(users.id, invitations.invitedBy))
    .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, invitationId)));
  return row!;
}

/** As admins see it: no token, no hash. */
export function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy:
      row.inviterId && row.inviterEmail
        ? { id: row.inviterId, name: row.inviterName, email: row.inviterEmail }
        : null,
    createdAt: toIso(row.createdAt),
    expiresAt: toIso(row.expiresAt),
    expired: row.expired,
  };
}
