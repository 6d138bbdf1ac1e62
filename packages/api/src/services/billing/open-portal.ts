import { AppError } from '@toolgate/core/errors';
import type Stripe from 'stripe';
import {
  billingClient,
  billingPageUrl,
  billingRowOf,
  stripeFailure,
  workspaceOf,
  type BillingScope,
} from './billing-access.ts';
import type { BillingRedirect } from './billing-schemas.ts';

export interface OpenPortalOptions extends BillingScope {
  /** PUBLIC_WEB_URL: the portal's "return" link goes to the Billing page there. */
  publicWebUrl: string;
}

/**
 * A Stripe Customer Portal session for the workspace's own customer (the workspace owner): change
 * or cancel the subscription, update the card, see every invoice. The customer is only ever read
 * from this tenant's row, so no caller can open another workspace's portal.
 */
export async function openPortal(options: OpenPortalOptions): Promise<BillingRedirect> {
  const { db, tenantId, actor, billing, publicWebUrl } = options;
  const stripe = billingClient(actor, billing);
  const row = await billingRowOf(db, tenantId);
  if (!row)
    throw new AppError('CONFLICT', 'This workspace has no billing account yet: upgrade to a plan first', {
      reason: 'no-customer',
    });
  const workspace = await workspaceOf(db, tenantId);
  let session: Stripe.BillingPortal.Session;
  try {
    session = await stripe.billingPortal.sessions.create({
      customer: row.stripeCustomerId,
      return_url: billingPageUrl(publicWebUrl, workspace.slug),
    });
  } catch (err) {
    throw stripeFailure(err, 'open the billing portal');
  }
  return { url: session.url };
}
