import { ZVerificationEmailSent } from '../../schemas/accounts.ts';
import { ZAccount } from '../../schemas/members.ts';
import { getAccount } from '../../services/get-account.ts';
import { resendVerificationEmail } from '../../services/resend-verification-email.ts';
import { authedProcedure, router } from '../init.ts';

export const meRouter = router({
  get: authedProcedure.output(ZAccount).query(({ ctx }) => getAccount(ctx.deps.db, { userId: ctx.userId })),
  /** A new verification link for the signed-in user's address (rate limited). */
  resendVerificationEmail: authedProcedure
    .output(ZVerificationEmailSent)
    .mutation(({ ctx: { deps, userId } }) =>
      resendVerificationEmail({
        db: deps.db,
        bus: deps.bus,
        mailer: deps.mailer,
        publicWebUrl: deps.publicWebUrl,
        userId,
      }),
    ),
});
