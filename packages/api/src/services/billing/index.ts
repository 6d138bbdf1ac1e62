export { createStripe, stripeOf } from './stripe-client.ts';
export { handleStripeWebhook, type StripeWebhookResult, type WebhookOutcome } from './webhooks.ts';
export { endGracePeriods } from './end-grace-periods.ts';
export { BILLING_SUBSCRIPTION_METHOD } from './apply-billing-state.ts';
export { HANDLED_EVENT_TYPES } from './stripe-event-reference.ts';
