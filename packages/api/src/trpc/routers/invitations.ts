import { z } from 'zod';
import {
  ZCreateInvitationRequest,
  ZInvitation,
  ZInvitationId,
  ZIssuedInvitation,
} from '../../schemas/invitations.ts';
import { createInvitation } from '../../services/create-invitation.ts';
import { listInvitations } from '../../services/list-invitations.ts';
import { resendInvitation } from '../../services/resend-invitation.ts';
import { revokeInvitation } from '../../services/revoke-invitation.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * A workspace's pending invitations. Accepting one happens outside any workspace (the invitation
 * page's server actions), since the person accepting is not a member yet.
 */
export const invitationsRouter = router({
  list: protectedProcedure.output(z.array(ZInvitation)).query(({ ctx }) => listInvitations(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateInvitationRequest)
    .output(ZIssuedInvitation)
    .mutation(({ ctx, input }) =>
      createInvitation({
        ...ctx.scope,
        mailer: ctx.deps.mailer,
        publicWebUrl: ctx.deps.publicWebUrl,
        input,
      }),
    ),
  resend: protectedProcedure
    .input(ZInvitationId)
    .output(ZIssuedInvitation)
    .mutation(({ ctx, input }) =>
      resendInvitation({
        ...ctx.scope,
        mailer: ctx.deps.mailer,
        publicWebUrl: ctx.deps.publicWebUrl,
        invitationId: input.invitationId,
      }),
    ),
  revoke: protectedProcedure
    .input(ZInvitationId)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => revokeInvitation({ ...ctx.scope, invitationId: input.invitationId })),
});
