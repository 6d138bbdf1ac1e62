import type { MemberRole as DbMemberRole } from '@toolgate/db/schema';
import { z } from 'zod';

// Listed here rather than imported: this module ships to the browser, the db schema must not.
export const ZMemberRole = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof ZMemberRole>;
// Fails to compile if the database's roles and these drift apart.
const _sameRoles: [MemberRole, DbMemberRole] extends [DbMemberRole, MemberRole] ? true : never = true;

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
