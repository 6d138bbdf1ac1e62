import { ZCreateInvitationRequest, ZIssuedInvitation } from '../schemas/invitations.ts';
import { ZMemberRemoval, ZMemberRoleChange } from '../schemas/members.ts';
import { ZChangeMemberRoleBody, ZInvitationList, ZMemberList } from '../schemas/workspace-members.ts';
import { changeMemberRole } from '../services/change-member-role.ts';
import { createInvitation } from '../services/create-invitation.ts';
import { listInvitations } from '../services/list-invitations.ts';
import { listMembers } from '../services/list-members.ts';
import { removeMember } from '../services/remove-member.ts';
import { revokeInvitation } from '../services/revoke-invitation.ts';
import { route, scope, type Route } from './route.ts';

/** The workspace's members and invitations: `/members…`, `/invitations…`. */
export const MEMBER_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/members',
    operationId: 'listMembers',
    summary: "List the workspace's members with their roles",
    tag: 'Members',
    status: 200,
    response: ZMemberList,
    errors: [],
    handle: async (ctx) => ({
      members: (await listMembers(ctx.deps.db, { tenantId: ctx.caller.tenantId })).map((m) => ({
        ...m,
        joinedAt: m.joinedAt.toISOString(),
      })),
    }),
  }),
  route({
    method: 'PATCH',
    path: '/members/{userId}',
    operationId: 'changeMemberRole',
    summary: "Change a member's role (only owners make owners; 409 for the last owner)",
    tag: 'Members',
    body: ZChangeMemberRoleBody,
    status: 200,
    response: ZMemberRoleChange,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, body) =>
      changeMemberRole({
        ...scope(ctx),
        bus: ctx.deps.bus,
        input: { userId: ctx.params.userId!, role: body.role },
      }),
  }),
  route({
    method: 'DELETE',
    path: '/members/{userId}',
    operationId: 'removeMember',
    summary: 'Remove someone from the workspace with their teams; their own API tokens here are revoked',
    tag: 'Members',
    status: 200,
    response: ZMemberRemoval,
    errors: [404, 409],
    handle: (ctx) =>
      removeMember({
        ...scope(ctx),
        bus: ctx.deps.bus,
        // Their personal connected accounts are revoked at the servers, after the removal.
        keys: ctx.deps.secretKeys,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        input: { userId: ctx.params.userId! },
      }),
  }),
  route({
    method: 'GET',
    path: '/invitations',
    operationId: 'listInvitations',
    summary: 'List pending invitations (expired ones marked)',
    tag: 'Members',
    status: 200,
    response: ZInvitationList,
    errors: [],
    handle: async (ctx) => ({ invitations: await listInvitations(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/invitations',
    operationId: 'createInvitation',
    summary: 'Invite an address with a role; the link is emailed and in this answer only',
    tag: 'Members',
    body: ZCreateInvitationRequest,
    status: 201,
    response: ZIssuedInvitation,
    errors: [400, 402, 409, 413, 422],
    handle: (ctx, input) =>
      createInvitation({
        ...scope(ctx),
        mailer: ctx.deps.mailer,
        publicWebUrl: ctx.deps.publicWebUrl,
        input,
      }),
  }),
  route({
    method: 'DELETE',
    path: '/invitations/{id}',
    operationId: 'revokeInvitation',
    summary: 'Revoke a pending invitation: its link stops working at once',
    tag: 'Members',
    status: 204,
    errors: [404],
    handle: async (ctx) => {
      await revokeInvitation({ ...scope(ctx), invitationId: ctx.params.id! });
    },
  }),
];
