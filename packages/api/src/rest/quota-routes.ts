import { getQuotaStatus, ZQuotaStatus } from '../services/quota/index.ts';
import { route, type Route } from './route.ts';

/** Quota endpoints (issue 18; docs/billing.md). */
export const QUOTA_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/usage/quota',
    operationId: 'getQuotaStatus',
    summary:
      "The workspace's tool calls this month against its monthly quota (warning from 80%, exceeded at 100%), when it resets, and the per-minute limits that apply (any member)",
    tag: 'Usage',
    status: 200,
    response: ZQuotaStatus,
    errors: [],
    handle: ({ deps, caller }) =>
      getQuotaStatus({
        db: deps.db,
        tenantId: caller.tenantId,
        ...(deps.plans ? { plans: deps.plans } : {}),
      }),
  }),
];
