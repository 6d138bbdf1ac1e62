import { webBilling, webPlans } from '~/env';
import { webContext } from '~/server/context';
import { stripeWebhookResponse } from './stripe-webhook-response';

export const dynamic = 'force-dynamic';

/** Stripe webhook deliveries (docs/billing.md lists the events to send here); POST only. */
export function POST(request: Request): Promise<Response> {
  const { db, bus, log } = webContext();
  const billing = webBilling();
  return stripeWebhookResponse(request, {
    db: db.db,
    bus,
    log,
    plans: webPlans(),
    ...(billing ? { billing } : {}),
  });
}
