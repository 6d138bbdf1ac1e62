import type Stripe from 'stripe';

/** The event types that drive a tenant's subscription state (docs/billing.md lists them for the endpoint). */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

/** What an event points at: the subscription whose current state is applied, and whose it is. */
export interface EventReference {
  customerId: string | null;
  subscriptionId: string | null;
  /** checkout.session.completed only: the tenant the session was created for. */
  tenantHint?: string | null;
}

const idOf = (value: unknown): string | null => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return null;
};

/** The subscription of an invoice: `parent.subscription_details` since API 2025-03-31, `subscription` before. */
function invoiceSubscription(invoice: Stripe.Invoice): string | null {
  const parent = invoice.parent?.subscription_details?.subscription;
  const legacy = (invoice as unknown as { subscription?: unknown }).subscription;
  return idOf(parent) ?? idOf(legacy);
}

/** What the event refers to; undefined for types Toolgate does not act on. */
export function eventReference(event: Stripe.Event): EventReference | undefined {
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      return {
        customerId: idOf(session.customer),
        subscriptionId: session.mode === 'subscription' ? idOf(session.subscription) : null,
        tenantHint: session.client_reference_id ?? session.metadata?.tenantId ?? null,
      };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const subscription = event.data.object;
      return { customerId: idOf(subscription.customer), subscriptionId: subscription.id };
    }
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      return { customerId: idOf(invoice.customer), subscriptionId: invoiceSubscription(invoice) };
    }
    default:
      return undefined;
  }
}
