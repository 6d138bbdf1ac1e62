import {
  ZChangeMemberRoleRequest,
  ZMemberRemoval,
  ZMemberRoleChange,
  ZRemoveMemberRequest,
} from '@toolgate/api/schemas/members';
import { changeMemberRole } from '@toolgate/api/services/change-member-role';
import { leaveWorkspace } from '@toolgate/api/services/leave-workspace';
import { removeMember } from '@toolgate/api/services/remove-member';
import { z } from 'zod';
import { ZMember } from '../../../schemas/members.ts';
import { listMembers } from '../../services/list-members.ts';
import { protectedProcedure, router } from '../init.ts';

/* The services check roles themselves (members get FORBIDDEN), under a lock on the workspace. */
export const membersRouter = router({
  list: protectedProcedure
    .output(z.array(ZMember))
    .query(({ ctx }) => listMembers(ctx.db, { tenantId: ctx.tenantId })),
  changeRole: protectedProcedure
    .input(ZChangeMemberRoleRequest)
    .output(ZMemberRoleChange)
    .mutation(({ ctx, input }) => changeMemberRole({ ...ctx.scope, bus: ctx.services.bus, input })),
  remove: protectedProcedure
    .input(ZRemoveMemberRequest)
    .output(ZMemberRemoval)
    .mutation(({ ctx, input }) => removeMember({ ...ctx.scope, bus: ctx.services.bus, input })),
  leave: protectedProcedure
    .output(ZMemberRemoval)
    .mutation(({ ctx }) => leaveWorkspace({ ...ctx.scope, bus: ctx.services.bus })),
});
