import { handleStripeWebhook } from '@toolgate/api/services/billing';
import type { Bus } from '@toolgate/bus';
import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';

export interface StripeWebhookDeps {
  db: Database;
  bus: Bus;
  log?: Logger;
  plans: PlansConfig;
  /** Absent: Stripe billing is off on this deployment. */
  billing?: BillingConfig;
}

/** Stripe's events are a few kilobytes; anything far bigger is not from Stripe. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });

const failure = (status: number, code: string, message: string) => json(status, { error: { code, message } });

/**
 * POST /api/stripe/webhook: the raw body (the signature is over its exact bytes) and the
 * Stripe-Signature header go to the service. 400 for a refused signature (nothing applied); 200
 * for everything Stripe should not send again; 500 only when Stripe or the database failed, so
 * that Stripe retries the delivery later.
 */
export async function stripeWebhookResponse(request: Request, deps: StripeWebhookDeps): Promise<Response> {
  if (!deps.billing) {
    return failure(
      404,
      'NOT_FOUND',
      'Stripe billing is not configured on this deployment (set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)',
    );
  }
  if (Number(request.headers.get('content-length') ?? 0) > MAX_WEBHOOK_BYTES)
    return failure(413, 'PAYLOAD_TOO_LARGE', 'Webhook body too large');
  const payload = await request.text();
  if (Buffer.byteLength(payload) > MAX_WEBHOOK_BYTES)
    return failure(413, 'PAYLOAD_TOO_LARGE', 'Webhook body too large');
  try {
    const result = await handleStripeWebhook({
      db: deps.db,
      bus: deps.bus,
      ...(deps.log ? { log: deps.log } : {}),
      plans: deps.plans,
      billing: deps.billing,
      payload,
      signature: request.headers.get('stripe-signature'),
    });
    if (result.status === 400) {
      deps.log?.warn({ reason: result.message }, 'Stripe webhook refused');
      return failure(400, 'BAD_REQUEST', result.message);
    }
    const { eventId, type, outcome } = result;
    deps.log?.info({ eventId, type, outcome }, 'Stripe webhook');
    return json(200, { received: true, outcome });
  } catch (err) {
    // Only the message: a Stripe error object carries the request it was for.
    deps.log?.error({ err: (err as Error).message }, 'Stripe webhook failed; Stripe will retry it');
    return failure(500, 'INTERNAL', 'Could not apply the event now; it will be retried');
  }
}
