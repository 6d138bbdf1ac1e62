import type { Route } from './route.ts';

/** Billing endpoints (issue 18; docs/billing.md). */
export const BILLING_ROUTES: readonly Route[] = [];
