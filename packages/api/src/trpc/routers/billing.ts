import { z } from 'zod';
import { getBillingOverview } from '../../services/billing/billing-overview.ts';
import {
  ZBillingOverview,
  ZBillingRedirect,
  ZStartCheckoutRequest,
} from '../../services/billing/billing-schemas.ts';
import { openPortal } from '../../services/billing/open-portal.ts';
import { startCheckout } from '../../services/billing/start-checkout.ts';
import { protectedProcedure, router } from '../init.ts';

/** Billing (issue 18; as the REST billing endpoints): the workspace owner's, with Stripe on. */
export const billingRouter = router({
  overview: protectedProcedure
    .output(ZBillingOverview)
    .query(({ ctx }) => getBillingOverview({ ...ctx.scope, billing: ctx.deps.billing })),
  /** `{ plan }` → the Checkout page's URL. */
  checkout: protectedProcedure
    .input(ZStartCheckoutRequest)
    .output(ZBillingRedirect)
    .mutation(({ ctx, input }) =>
      startCheckout({ ...ctx.scope, billing: ctx.deps.billing, publicWebUrl: ctx.deps.publicWebUrl, input }),
    ),
  portal: protectedProcedure
    .input(z.void())
    .output(ZBillingRedirect)
    .mutation(({ ctx }) =>
      openPortal({ ...ctx.scope, billing: ctx.deps.billing, publicWebUrl: ctx.deps.publicWebUrl }),
    ),
});
