import type { TeamRole as DbTeamRole } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';
import { ZMemberRole } from './members.ts';

// Listed rather than imported from the db schema: the UI's forms use these in the browser.
/** A maintainer manages the team's membership (and, later, its installations and tokens). */
export const ZTeamRole = z.enum(['member', 'maintainer']);
export type TeamRole = z.infer<typeof ZTeamRole>;
// Fail to compile if the database's team roles and these drift apart.
const _sameAsDb: [TeamRole, DbTeamRole] extends [DbTeamRole, TeamRole] ? true : never = true;

/** Someone in a team, as the team page and the API show them. */
export const ZTeamMember = z.object({
  userId: ZId,
  name: z.string().nullable(),
  email: z.string(),
  /** Their role in this team. */
  role: ZTeamRole,
  /** Their role in the workspace (owners and admins manage every team whatever their team role). */
  workspaceRole: ZMemberRole,
  addedAt: ZTimestamp,
});
export type TeamMember = z.infer<typeof ZTeamMember>;

export const ZTeamMemberList = z.object({ members: z.array(ZTeamMember) });
export type TeamMemberList = z.infer<typeof ZTeamMemberList>;

export const ZAddTeamMemberRequest = z.strictObject({
  /** A member of the workspace. */
  userId: ZId,
  role: ZTeamRole.default('member'),
});
export type AddTeamMemberRequest = z.input<typeof ZAddTeamMemberRequest>;

export const ZChangeTeamMemberRoleRequest = z.strictObject({ userId: ZId, role: ZTeamRole });
export type ChangeTeamMemberRoleRequest = z.input<typeof ZChangeTeamMemberRoleRequest>;

/** The REST body of `PATCH /teams/{id}/members/{userId}` (the user is in the path). */
export const ZChangeTeamMemberRoleBody = ZChangeTeamMemberRoleRequest.omit({ userId: true });

export const ZRemoveTeamMemberRequest = z.strictObject({ userId: ZId });
export type RemoveTeamMemberRequest = z.input<typeof ZRemoveTeamMemberRequest>;

export const ZTeamMemberRemoval = z.object({ teamId: ZId, userId: ZId });
export type TeamMemberRemoval = z.infer<typeof ZTeamMemberRemoval>;
