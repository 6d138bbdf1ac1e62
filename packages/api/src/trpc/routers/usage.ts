import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import { ZLogsQuery, ZSetAuditRetentionRequest, ZUsageFilters } from '../../schemas/usage.ts';
import { getAuditEvent } from '../../services/get-audit-event.ts';
import { getAuditRetention } from '../../services/get-audit-retention.ts';
import { getUsageGraph } from '../../services/get-usage-graph.ts';
import { getUsageSummary } from '../../services/get-usage-summary.ts';
import { listAuditEvents } from '../../services/list-audit-events.ts';
import { listUsageFacets } from '../../services/list-usage-facets.ts';
import { setAuditRetention } from '../../services/set-audit-retention.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Dashboards, the audit log and its retention: thin adapters over the usage services,
 * which decide who sees what (owners and admins: every call; members: their own).
 */

export const usageRouter = router({
  summary: protectedProcedure
    .input(ZUsageFilters)
    .query(({ ctx, input }) => getUsageSummary({ ...ctx.scope, input })),
  graph: protectedProcedure
    .input(ZUsageFilters)
    .query(({ ctx, input }) => getUsageGraph({ ...ctx.scope, input })),
  /** Gateways, servers, tools and callers seen in a window, for the filter pickers. */
  facets: protectedProcedure
    .input(ZUsageFilters)
    .query(({ ctx, input }) => listUsageFacets({ ...ctx.scope, input })),
  logs: protectedProcedure
    .input(ZLogsQuery)
    .query(({ ctx, input }) => listAuditEvents({ ...ctx.scope, input })),
  event: protectedProcedure
    .input(z.object({ id: ZId }))
    .query(({ ctx, input }) => getAuditEvent({ ...ctx.scope, eventId: input.id })),
  retention: protectedProcedure.query(({ ctx }) =>
    getAuditRetention({ db: ctx.deps.db, tenantId: ctx.tenantId, plans: ctx.deps.plans }),
  ),
  setRetention: protectedProcedure
    .input(ZSetAuditRetentionRequest)
    .mutation(({ ctx, input }) => setAuditRetention({ ...ctx.scope, input })),
});
