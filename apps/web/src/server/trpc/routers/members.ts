import { z } from 'zod';
import { ZMember } from '../../../schemas/members.ts';
import { listMembers } from '../../services/list-members.ts';
import { protectedProcedure, router } from '../init.ts';

export const membersRouter = router({
  list: protectedProcedure
    .output(z.array(ZMember))
    .query(({ ctx }) => listMembers(ctx.db, { tenantId: ctx.tenantId })),
});
