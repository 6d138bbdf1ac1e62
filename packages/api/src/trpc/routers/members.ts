import { z } from 'zod';
import type { ControlPlaneDeps } from '../../deps.ts';
import {
  ZChangeMemberRoleRequest,
  ZMember,
  ZMemberRemoval,
  ZMemberRoleChange,
  ZRemoveMemberRequest,
} from '../../schemas/members.ts';
import { changeMemberRole } from '../../services/change-member-role.ts';
import { leaveWorkspace } from '../../services/leave-workspace.ts';
import { removeMember } from '../../services/remove-member.ts';
import { listMembers } from '../../services/list-members.ts';
import { protectedProcedure, router } from '../init.ts';

/* The services check roles themselves (members get FORBIDDEN), under a lock on the workspace. */
export const membersRouter = router({
  list: protectedProcedure
    .output(z.array(ZMember))
    .query(({ ctx }) => listMembers(ctx.deps.db, { tenantId: ctx.tenantId })),
  changeRole: protectedProcedure
    .input(ZChangeMemberRoleRequest)
    .output(ZMemberRoleChange)
    .mutation(({ ctx, input }) => changeMemberRole({ ...ctx.scope, bus: ctx.deps.bus, input })),
  remove: protectedProcedure
    .input(ZRemoveMemberRequest)
    .output(ZMemberRemoval)
    .mutation(({ ctx, input }) => removeMember({ ...ctx.scope, ...revocation(ctx.deps), input })),
  leave: protectedProcedure
    .output(ZMemberRemoval)
    .mutation(({ ctx }) => leaveWorkspace({ ...ctx.scope, ...revocation(ctx.deps) })),
});

/** What revoking a leaving member's connected accounts at the servers needs. */
const revocation = (deps: ControlPlaneDeps) => ({
  bus: deps.bus,
  keys: deps.secretKeys,
  allowPrivate: deps.allowPrivateUpstreams ?? false,
});
