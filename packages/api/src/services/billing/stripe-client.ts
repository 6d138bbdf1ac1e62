import Stripe from 'stripe';
import type { BillingConfig } from '@toolgate/core/billing-config';

/**
 * The official Stripe SDK, pointed at STRIPE_API_URL when set (tests: the local Stripe-compatible
 * server in packages/fixtures). One client per configuration is enough: it keeps no per-call state.
 */
export function createStripe(config: BillingConfig): Stripe {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (config.apiUrl) {
    const url = new URL(config.apiUrl);
    options.host = url.hostname;
    options.protocol = url.protocol === 'http:' ? 'http' : 'https';
    if (url.port) options.port = Number(url.port);
  }
  return new Stripe(config.secretKey, options);
}

const clients = new WeakMap<BillingConfig, Stripe>();

/** The client of a configuration, made once. */
export function stripeOf(config: BillingConfig): Stripe {
  let client = clients.get(config);
  if (!client) {
    client = createStripe(config);
    clients.set(config, client);
  }
  return client;
}
