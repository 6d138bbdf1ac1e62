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

type Ctx = {
  db: Parameters<typeof getUsageSummary>[0]['db'];
  tenantId: string;
  actor: Parameters<typeof getUsageSummary>[0]['actor'];
};
const scope = (ctx: Ctx) => ({ db: ctx.db, tenantId: ctx.tenantId, actor: ctx.actor });

export const usageRouter = router({
  summary: protectedProcedure
    .input(ZUsageFilters)
    .query(({ ctx, input }) => getUsageSummary({ ...scope(ctx), input })),
  graph: protectedProcedure
    .input(ZUsageFilters)
    .query(({ ctx, input }) => getUsageGraph({ ...scope(ctx), input })),
  /** Gateways, servers, tools and callers seen in a window, for the filter pickers. */
  facets: protectedProcedure
    .input(ZUsageFilters)
    .query(({ ctx, input }) => listUsageFacets({ ...scope(ctx), input })),
  logs: protectedProcedure
    .input(ZLogsQuery)
    .query(({ ctx, input }) => listAuditEvents({ ...scope(ctx), input })),
  event: protectedProcedure
    .input(z.object({ id: ZId }))
    .query(({ ctx, input }) => getAuditEvent({ ...scope(ctx), eventId: input.id })),
  retention: protectedProcedure.query(({ ctx }) => getAuditRetention({ db: ctx.db, tenantId: ctx.tenantId })),
  setRetention: protectedProcedure
    .input(ZSetAuditRetentionRequest)
    .mutation(({ ctx, input }) => setAuditRetention({ ...scope(ctx), input })),
});
