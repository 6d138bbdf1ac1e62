export { createStripe, stripeOf } from './stripe-client.ts';
