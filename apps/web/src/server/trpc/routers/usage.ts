import { ZId } from '@toolgate/api/schemas/common';
import { ZLogsQuery, ZSetAuditRetentionRequest, ZUsageFilters } from '@toolgate/api/schemas/usage';
import { getAuditEvent } from '@toolgate/api/services/get-audit-event';
import { getAuditRetention } from '@toolgate/api/services/get-audit-retention';
import { getUsageGraph } from '@toolgate/api/services/get-usage-graph';
import { getUsageSummary } from '@toolgate/api/services/get-usage-summary';
import { listAuditEvents } from '@toolgate/api/services/list-audit-events';
import { listUsageFacets } from '@toolgate/api/services/list-usage-facets';
import { setAuditRetention } from '@toolgate/api/services/set-audit-retention';
import { z } from 'zod';
import { protectedProcedure, router } from '../init.ts';

/*
 * Dashboards, the audit log and its retention: thin adapters over @toolgate/api's usage services,
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
  retention: protectedProcedure.query(({ ctx }) => getAuditRetention({ db: ctx.db, tenantId: ctx.tenantId })),
  setRetention: protectedProcedure
    .input(ZSetAuditRetentionRequest)
    .mutation(({ ctx, input }) => setAuditRetention({ ...ctx.scope, input })),
});
