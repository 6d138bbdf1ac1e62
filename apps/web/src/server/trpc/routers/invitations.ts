import {
  ZCreateInvitationRequest,
  ZInvitation,
  ZInvitationId,
  ZIssuedInvitation,
} from '@toolgate/api/schemas/invitations';
import { createInvitation } from '@toolgate/api/services/create-invitation';
import { listInvitations } from '@toolgate/api/services/list-invitations';
import { resendInvitation } from '@toolgate/api/services/resend-invitation';
import { revokeInvitation } from '@toolgate/api/services/revoke-invitation';
import { z } from 'zod';
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
        mailer: ctx.services.mailer,
        publicWebUrl: ctx.services.publicWebUrl,
        input,
      }),
    ),
  resend: protectedProcedure
    .input(ZInvitationId)
    .output(ZIssuedInvitation)
    .mutation(({ ctx, input }) =>
      resendInvitation({
        ...ctx.scope,
        mailer: ctx.services.mailer,
        publicWebUrl: ctx.services.publicWebUrl,
        invitationId: input.invitationId,
      }),
    ),
  revoke: protectedProcedure
    .input(ZInvitationId)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => revokeInvitation({ ...ctx.scope, invitationId: input.invitationId })),
});
