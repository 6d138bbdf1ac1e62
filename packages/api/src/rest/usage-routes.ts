import {
  ZLogEvent,
  ZLogPage,
  ZLogsQuery,
  ZUsageFilters,
  ZUsageGraph,
  ZUsageSummary,
} from '../schemas/usage.ts';
import { getAuditEvent } from '../services/get-audit-event.ts';
import { getUsageGraph } from '../services/get-usage-graph.ts';
import { getUsageSummary } from '../services/get-usage-summary.ts';
import { listAuditEvents } from '../services/list-audit-events.ts';
import { route, scope, type Route } from './route.ts';

/** Usage summaries, the usage graph and the audit log. */
export const USAGE_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/usage',
    operationId: 'getUsageSummary',
    summary:
      'Calls over time, error rate, p50/p95 latency and the busiest tools, servers, callers and gateways (members: their own calls)',
    tag: 'Usage',
    query: ZUsageFilters,
    status: 200,
    response: ZUsageSummary,
    errors: [422],
    handle: (ctx) => getUsageSummary({ ...scope(ctx), input: ctx.query }),
  }),
  route({
    method: 'GET',
    path: '/usage/graph',
    operationId: 'getUsageGraph',
    summary: 'Tool calls as a graph: callers → gateways → servers → tools, with call and error counts',
    tag: 'Usage',
    query: ZUsageFilters,
    status: 200,
    response: ZUsageGraph,
    errors: [422],
    handle: (ctx) => getUsageGraph({ ...scope(ctx), input: ctx.query }),
  }),
  route({
    method: 'GET',
    path: '/logs',
    operationId: 'listAuditEvents',
    summary: 'The audit log, newest first, a page at a time (pass `nextCursor` as `cursor`)',
    tag: 'Usage',
    query: ZLogsQuery,
    status: 200,
    response: ZLogPage,
    errors: [422],
    handle: (ctx) => listAuditEvents({ ...scope(ctx), input: ctx.query }),
  }),
  route({
    method: 'GET',
    path: '/logs/{id}',
    operationId: 'getAuditEvent',
    summary: 'One call of the audit log with its redacted request and response',
    tag: 'Usage',
    status: 200,
    response: ZLogEvent,
    errors: [404],
    handle: (ctx) => getAuditEvent({ ...scope(ctx), eventId: ctx.params.id! }),
  }),
];
