import { ZMemberRole, type MemberRole } from '@toolgate/api/schemas/members';
import { z } from 'zod';

export { ZMemberRole, type MemberRole };

export const ZMember = z.object({
  userId: z.uuid(),
  name: z.string().nullable(),
  email: z.string(),
  role: ZMemberRole,
  joinedAt: z.date(),
});
export type Member = z.infer<typeof ZMember>;

export const ZMembership = z.object({
  tenantId: z.uuid(),
  tenantSlug: z.string(),
  tenantName: z.string(),
  role: ZMemberRole,
});
export type Membership = z.infer<typeof ZMembership>;

export const ZAccount = z.object({
  user: z.object({ id: z.uuid(), name: z.string().nullable(), email: z.string() }),
  memberships: z.array(ZMembership),
});
export type Account = z.infer<typeof ZAccount>;

/** Owners and admins manage the workspace (teams, servers, gateways); members use it. */
export const canAdminister = (role: MemberRole): boolean => role === 'owner' || role === 'admin';
