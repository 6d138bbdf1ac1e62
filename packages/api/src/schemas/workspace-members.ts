import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';
import { ZInvitation } from './invitations.ts';
import { ZChangeMemberRoleRequest, ZMemberRole } from './members.ts';

/** REST shapes of the workspace's members and invitations (JSON: timestamps as ISO strings). */

export const ZMemberSummary = z.object({
  userId: ZId,
  name: z.string().nullable(),
  email: z.string(),
  role: ZMemberRole,
  joinedAt: ZTimestamp,
});
export type MemberSummary = z.infer<typeof ZMemberSummary>;

export const ZMemberList = z.object({ members: z.array(ZMemberSummary) });

/** The body of `PATCH /members/{userId}` (the user is in the path). */
export const ZChangeMemberRoleBody = ZChangeMemberRoleRequest.omit({ userId: true });

export const ZInvitationList = z.object({ invitations: z.array(ZInvitation) });
