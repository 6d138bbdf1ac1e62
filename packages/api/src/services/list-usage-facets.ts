import type { Database } from '@toolgate/db/client';
import { usageRollups } from '@toolgate/db/schema';
import type { Actor } from '../actor.ts';
import { ZUsageFilters, type UsageFacets } from '../schemas/usage.ts';
import { loadUsageLabels } from '../usage/usage-labels.ts';
import { prepareUsageQuery, rollupConditions, topBy } from '../usage/usage-query.ts';

export interface ListUsageFacetsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** ZUsageFilters: the window (filters narrow the values too). */
  input: unknown;
  now?: Date;
}

const FACET_LIMIT = 100;

/**
 * The gateways, servers, tools, callers and agents that had calls in a window, busiest first, for the
 * filter pickers of the dashboard and the logs (from the rollups, so cheap at any window).
 */
export async function listUsageFacets({
  db,
  tenantId,
  actor,
  input,
  now,
}: ListUsageFacetsOptions): Promise<UsageFacets> {
  const { query } = await prepareUsageQuery(ZUsageFilters, { db, tenantId, actor, input, now });
  const where = rollupConditions(query);
  const [gateways, servers, tools, callers, agents] = await Promise.all([
    topBy(db, where, usageRollups.gatewayId, FACET_LIMIT),
    topBy(db, where, usageRollups.installationId, FACET_LIMIT),
    topBy(db, where, usageRollups.toolName, FACET_LIMIT),
    topBy(db, where, usageRollups.principalId, FACET_LIMIT),
    topBy(db, where, usageRollups.agent, FACET_LIMIT),
  ]);
  const labels = await loadUsageLabels(db, tenantId, {
    gateways: gateways.map((r) => r.key),
    servers: servers.map((r) => r.key),
    callers: callers.map((r) => r.key),
    agents: agents.map((r) => r.key),
  });
  return {
    gateways: gateways.map((r) => labels.gateway(r.key)!),
    servers: servers.map((r) => labels.server(r.key)!),
    tools: tools.map((r) => ({ id: r.key, label: r.key })),
    callers: callers.map((r) => labels.caller(r.key)!),
    agents: agents.map((r) => labels.agent(r.key)!),
  };
}
