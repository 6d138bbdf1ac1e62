import type { Route } from './route.ts';

/** Quota endpoints (issue 18; docs/billing.md). */
export const QUOTA_ROUTES: readonly Route[] = [];
