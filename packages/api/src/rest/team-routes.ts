import { ZCreateTeamRequest, type Team } from '../schemas/teams.ts';
import {
  ZAddTeamMemberRequest,
  ZChangeTeamMemberRoleBody,
  ZTeamMember,
  ZTeamMemberList,
  ZTeamMemberRemoval,
} from '../schemas/team-members.ts';
import {
  ZDeleteTeamQuery,
  ZTeamDeletion,
  ZTeamDetail,
  ZTeamList,
  ZTeamSummary,
  ZUpdateTeamRequest,
  type TeamSummary,
} from '../schemas/team-management.ts';
import { addTeamMember } from '../services/add-team-member.ts';
import { changeTeamMemberRole } from '../services/change-team-member-role.ts';
import { createTeam } from '../services/create-team.ts';
import { deleteTeam } from '../services/delete-team.ts';
import { getTeam } from '../services/get-team.ts';
import { listTeamMembers } from '../services/list-team-members.ts';
import { listTeams } from '../services/list-teams.ts';
import { removeTeamMember } from '../services/remove-team-member.ts';
import { updateTeam } from '../services/update-team.ts';
import { route, scope, type Route } from './route.ts';

const toSummary = (team: Team): TeamSummary => ({ ...team, createdAt: team.createdAt.toISOString() });

/** Teams and their members: `/teams…`. */
export const TEAM_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/teams',
    operationId: 'listTeams',
    summary: 'List teams with their member counts (members: only teams they are in)',
    tag: 'Teams',
    status: 200,
    response: ZTeamList,
    errors: [],
    handle: async (ctx) => ({
      teams: (await listTeams(scope(ctx))).map(toSummary),
    }),
  }),
  route({
    method: 'POST',
    path: '/teams',
    operationId: 'createTeam',
    summary: 'Create a team (the slug is derived from the name when omitted)',
    tag: 'Teams',
    body: ZCreateTeamRequest,
    status: 201,
    response: ZTeamSummary,
    errors: [400, 409, 413, 422],
    handle: async (ctx, input) =>
      toSummary(
        await createTeam(ctx.deps.db, { tenantId: ctx.caller.tenantId, actor: ctx.caller.actor, ...input }),
      ),
  }),
  route({
    method: 'GET',
    path: '/teams/{id}',
    operationId: 'getTeam',
    summary: 'Get a team (members: only teams they are in)',
    tag: 'Teams',
    status: 200,
    response: ZTeamDetail,
    errors: [404],
    handle: (ctx) => getTeam({ ...scope(ctx), teamId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/teams/{id}',
    operationId: 'updateTeam',
    summary: 'Rename a team; its slug changes only when given',
    tag: 'Teams',
    body: ZUpdateTeamRequest,
    status: 200,
    response: ZTeamDetail,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) => updateTeam({ ...scope(ctx), bus: ctx.deps.bus, teamId: ctx.params.id!, input }),
  }),
  route({
    method: 'DELETE',
    path: '/teams/{id}',
    operationId: 'deleteTeam',
    summary:
      'Delete a team. 409 naming the gateways, installations and API tokens that use it, unless ' +
      '`detach=true`: then it leaves its gateways and its installations and tokens are deleted ' +
      '(still 409 for a gateway shared with this team only)',
    tag: 'Teams',
    query: ZDeleteTeamQuery,
    status: 200,
    response: ZTeamDeletion,
    errors: [404, 409, 422],
    handle: (ctx) =>
      deleteTeam({ ...scope(ctx), bus: ctx.deps.bus, teamId: ctx.params.id!, detach: ctx.query.detach }),
  }),
  route({
    method: 'GET',
    path: '/teams/{id}/members',
    operationId: 'listTeamMembers',
    summary: "List a team's members with their team and workspace roles",
    tag: 'Teams',
    status: 200,
    response: ZTeamMemberList,
    errors: [404],
    handle: async (ctx) => ({ members: await listTeamMembers({ ...scope(ctx), teamId: ctx.params.id! }) }),
  }),
  route({
    method: 'POST',
    path: '/teams/{id}/members',
    operationId: 'addTeamMember',
    summary:
      'Add a workspace member to a team (owners, admins, the team’s maintainers); 409 if already in it',
    tag: 'Teams',
    body: ZAddTeamMemberRequest,
    status: 201,
    response: ZTeamMember,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      addTeamMember({ ...scope(ctx), bus: ctx.deps.bus, teamId: ctx.params.id!, input }),
  }),
  route({
    method: 'PATCH',
    path: '/teams/{id}/members/{userId}',
    operationId: 'changeTeamMemberRole',
    summary: "Change a team member's role (member or maintainer)",
    tag: 'Teams',
    body: ZChangeTeamMemberRoleBody,
    status: 200,
    response: ZTeamMember,
    errors: [400, 404, 413, 422],
    handle: (ctx, body) =>
      changeTeamMemberRole({
        ...scope(ctx),
        teamId: ctx.params.id!,
        input: { userId: ctx.params.userId!, role: body.role },
      }),
  }),
  route({
    method: 'DELETE',
    path: '/teams/{id}/members/{userId}',
    operationId: 'removeTeamMember',
    summary: 'Take someone out of a team (they stay in the workspace); anyone may leave a team',
    tag: 'Teams',
    status: 200,
    response: ZTeamMemberRemoval,
    errors: [404],
    handle: (ctx) =>
      removeTeamMember({
        ...scope(ctx),
        bus: ctx.deps.bus,
        teamId: ctx.params.id!,
        input: { userId: ctx.params.userId! },
      }),
  }),
];
