import type { MemberRole as DbMemberRole } from '@toolgate/db/schema';
import { z } from 'zod';
import type { WorkspaceRole } from '../member-permissions.ts';
import { ZId } from './common.ts';

// Listed rather than imported from the db schema: the UI's forms use these in the browser.
export const ZMemberRole = z.enum(['owner', 'admin', 'member']);
export type MemberRole = z.infer<typeof ZMemberRole>;
// Fail to compile if the database's roles, the permission rules' and these drift apart.
const _sameAsDb: [MemberRole, DbMemberRole] extends [DbMemberRole, MemberRole] ? true : never = true;
const _sameAsRules: [MemberRole, WorkspaceRole] extends [WorkspaceRole, MemberRole] ? true : never = true;

export const ZChangeMemberRoleRequest = z.strictObject({
  userId: ZId,
  role: ZMemberRole,
});
export type ChangeMemberRoleRequest = z.input<typeof ZChangeMemberRoleRequest>;

export const ZRemoveMemberRequest = z.strictObject({ userId: ZId });
export type RemoveMemberRequest = z.input<typeof ZRemoveMemberRequest>;

export const ZMemberRoleChange = z.object({ userId: ZId, role: ZMemberRole });
export type MemberRoleChange = z.infer<typeof ZMemberRoleChange>;

export const ZMemberRemoval = z.object({
  userId: ZId,
  /** The user's own API tokens in this workspace that were revoked with the membership. */
  revokedTokens: z.number().int().nonnegative(),
});
export type MemberRemoval = z.infer<typeof ZMemberRemoval>;

/** A member as the UI lists them (tRPC carries dates as dates). */
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

/** The signed-in user and every workspace they belong to. */
export const ZAccount = z.object({
  user: z.object({
    id: z.uuid(),
    name: z.string().nullable(),
    email: z.string(),
    /** Until then the user may look around but not create tokens, install servers or invite. */
    emailVerified: z.boolean(),
  }),
  memberships: z.array(ZMembership),
});
export type Account = z.infer<typeof ZAccount>;
