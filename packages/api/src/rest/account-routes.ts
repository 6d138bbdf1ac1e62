import { ZVerificationEmailSent } from '../schemas/accounts.ts';
import { resendVerificationEmail } from '../services/resend-verification-email.ts';
import { route, type Route } from './route.ts';

/** The person a user token acts for. */
export const ACCOUNT_ROUTES: Route[] = [
  route({
    method: 'POST',
    path: '/account/verification-email',
    operationId: 'resendVerificationEmail',
    summary:
      "Email a new link that verifies the address of the token's user (until then they cannot create tokens, install servers or invite). At most one a minute and five a day",
    tag: 'Account',
    status: 200,
    response: ZVerificationEmailSent,
    errors: [409, 422, 429],
    handle: ({ deps, caller }) =>
      resendVerificationEmail({
        db: deps.db,
        bus: deps.bus,
        mailer: deps.mailer,
        publicWebUrl: deps.publicWebUrl,
        userId: caller.actor.userId,
      }),
  }),
];
