import { getBillingOverview } from '../services/billing/billing-overview.ts';
import {
  ZBillingOverview,
  ZBillingRedirect,
  ZStartCheckoutRequest,
} from '../services/billing/billing-schemas.ts';
import { openPortal } from '../services/billing/open-portal.ts';
import { startCheckout } from '../services/billing/start-checkout.ts';
import { route, scope, type Route } from './route.ts';

/**
 * Billing endpoints (issue 18; docs/billing.md): the workspace owner's, with Stripe on (409
 * `billing-off` otherwise). Plans change when Stripe reports the subscription, not on these calls.
 */
export const BILLING_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/billing',
    operationId: 'getBilling',
    summary:
      "The workspace's plan, subscription status, this month's tool calls, the plans that can be bought and the latest invoices (the owner)",
    tag: 'Billing',
    status: 200,
    response: ZBillingOverview,
    errors: [409],
    handle: (ctx) => getBillingOverview({ ...scope(ctx), billing: ctx.deps.billing }),
  }),
  route({
    method: 'POST',
    path: '/billing/checkout',
    operationId: 'startCheckout',
    summary:
      'Start a Stripe Checkout for a plan (the owner); answers the Checkout page to send the browser to. A workspace with a subscription changes plans in the portal instead (409)',
    tag: 'Billing',
    body: ZStartCheckoutRequest,
    status: 200,
    response: ZBillingRedirect,
    errors: [400, 404, 409, 413, 422, 502],
    handle: (ctx, input) =>
      startCheckout({ ...scope(ctx), billing: ctx.deps.billing, publicWebUrl: ctx.deps.publicWebUrl, input }),
  }),
  route({
    method: 'POST',
    path: '/billing/portal',
    operationId: 'openBillingPortal',
    summary:
      "Open the Stripe Customer Portal for the workspace's customer (the owner): change or cancel the plan, payment methods, invoices",
    tag: 'Billing',
    status: 200,
    response: ZBillingRedirect,
    errors: [409, 502],
    handle: (ctx) =>
      openPortal({ ...scope(ctx), billing: ctx.deps.billing, publicWebUrl: ctx.deps.publicWebUrl }),
  }),
];
