export { createStripe, stripeOf } from './stripe-client.ts';
export { getBillingOverview, monthOf, type BillingOverviewOptions } from './billing-overview.ts';
export { startCheckout, CHECKOUT_METHOD, type StartCheckoutOptions } from './start-checkout.ts';
export { openPortal, type OpenPortalOptions } from './open-portal.ts';
export * from './billing-schemas.ts';
export {
  DEFAULT_METER_EVENTS_PER_PASS,
  METER_SETTLE_MS,
  meterEventIdentifier,
  reportMeterUsage,
  type MeterReportResult,
  type ReportMeterUsageOptions,
} from './report-meter-usage.ts';
export { handleStripeWebhook, type StripeWebhookResult, type WebhookOutcome } from './webhooks.ts';
export { endGracePeriods } from './end-grace-periods.ts';
export { BILLING_SUBSCRIPTION_METHOD } from './apply-billing-state.ts';
export { HANDLED_EVENT_TYPES } from './stripe-event-reference.ts';
