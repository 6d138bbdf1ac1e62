import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import { ZTeamDeletion, ZTeamDetail, ZUpdateTeamRequest } from '../../schemas/team-management.ts';
import {
  ZAddTeamMemberRequest,
  ZChangeTeamMemberRoleRequest,
  ZRemoveTeamMemberRequest,
  ZTeamMember,
  ZTeamMemberRemoval,
} from '../../schemas/team-members.ts';
import { ZCreateTeamRequest, ZTeam } from '../../schemas/teams.ts';
import { addTeamMember } from '../../services/add-team-member.ts';
import { changeTeamMemberRole } from '../../services/change-team-member-role.ts';
import { createTeam } from '../../services/create-team.ts';
import { deleteTeam } from '../../services/delete-team.ts';
import { getTeam } from '../../services/get-team.ts';
import { listMaintainedTeams } from '../../services/list-maintained-teams.ts';
import { listTeamMembers } from '../../services/list-team-members.ts';
import { listTeams } from '../../services/list-teams.ts';
import { removeTeamMember } from '../../services/remove-team-member.ts';
import { updateTeam } from '../../services/update-team.ts';
import { adminProcedure, protectedProcedure, router } from '../init.ts';

/*
 * Teams and their members. The services decide who may do what (owners and admins: every team;
 * a team's maintainers: its membership; members: read the teams they are in), so these are
 * protected procedures that pass the caller on.
 */

const ZTeamId = z.object({ teamId: ZId });

export const teamsRouter = router({
  list: protectedProcedure.output(z.array(ZTeam)).query(({ ctx }) => listTeams(ctx.scope)),
  /** Ids of the teams the caller maintains: the UI offers their installations and tokens to manage. */
  maintained: protectedProcedure.output(z.array(ZId)).query(({ ctx }) => listMaintainedTeams(ctx.scope)),
  create: adminProcedure
    .input(ZCreateTeamRequest)
    .output(ZTeam)
    .mutation(({ ctx, input }) =>
      createTeam(ctx.deps.db, { tenantId: ctx.tenantId, actor: ctx.actor, ...input }),
    ),
  get: protectedProcedure
    .input(ZTeamId)
    .output(ZTeamDetail)
    .query(({ ctx, input }) => getTeam({ ...ctx.scope, teamId: input.teamId })),
  /** Rename (and re-slug, when asked): `{ teamId, name?, slug? }`. */
  update: protectedProcedure
    .input(ZUpdateTeamRequest.safeExtend(ZTeamId.shape))
    .output(ZTeamDetail)
    .mutation(({ ctx, input: { teamId, ...input } }) =>
      updateTeam({ ...ctx.scope, bus: ctx.deps.bus, teamId, input }),
    ),
  /** CONFLICT naming what uses the team (in the error's `details`) unless `detach`. */
  delete: protectedProcedure
    .input(ZTeamId.extend({ detach: z.boolean().default(false) }))
    .output(ZTeamDeletion)
    .mutation(({ ctx, input }) =>
      deleteTeam({ ...ctx.scope, bus: ctx.deps.bus, teamId: input.teamId, detach: input.detach }),
    ),
  members: protectedProcedure
    .input(ZTeamId)
    .output(z.array(ZTeamMember))
    .query(({ ctx, input }) => listTeamMembers({ ...ctx.scope, teamId: input.teamId })),
  addMember: protectedProcedure
    .input(ZAddTeamMemberRequest.extend(ZTeamId.shape))
    .output(ZTeamMember)
    .mutation(({ ctx, input: { teamId, ...input } }) =>
      addTeamMember({ ...ctx.scope, bus: ctx.deps.bus, teamId, input }),
    ),
  changeMemberRole: protectedProcedure
    .input(ZChangeTeamMemberRoleRequest.extend(ZTeamId.shape))
    .output(ZTeamMember)
    .mutation(({ ctx, input: { teamId, ...input } }) =>
      changeTeamMemberRole({ ...ctx.scope, teamId, input }),
    ),
  removeMember: protectedProcedure
    .input(ZRemoveTeamMemberRequest.extend(ZTeamId.shape))
    .output(ZTeamMemberRemoval)
    .mutation(({ ctx, input: { teamId, ...input } }) =>
      removeTeamMember({ ...ctx.scope, bus: ctx.deps.bus, teamId, input }),
    ),
});
