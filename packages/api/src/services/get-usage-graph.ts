import type { Database } from '@toolgate/db/client';
import { usageRollups } from '@toolgate/db/schema';
import { sql } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { ZUsageFilters, type GraphColumn, type UsageGraph } from '../schemas/usage.ts';
import { loadUsageLabels } from '../usage/usage-labels.ts';
import { prepareUsageQuery, rollupConditions, rowsOf, windowOf } from '../usage/usage-query.ts';

export interface GetUsageGraphOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** ZUsageFilters: window and filters. */
  input: unknown;
  /** Most (caller, gateway, server, tool) paths drawn; the busiest win. */
  maxPaths?: number;
  now?: Date;
}

const MAX_PATHS = 300;

interface PathRow {
  principal: string;
  gateway: string;
  server: string;
  tool: string;
  calls: number;
  errors: number;
}

/**
 * Who calls what over a window: callers → gateways → servers → tools, each edge weighted by tool
 * calls and their errors, from the rollups. Only tools/call messages have a server and a tool, so
 * only they are drawn; a dimension the rollup lacks ('' — e.g. a caller refused before it was
 * known) becomes an "unknown" node so every call stays on a path.
 */
export async function getUsageGraph({
  db,
  tenantId,
  actor,
  input,
  maxPaths = MAX_PATHS,
  now,
}: GetUsageGraphOptions): Promise<UsageGraph> {
  const { query } = await prepareUsageQuery(ZUsageFilters, { db, tenantId, actor, input, now });
  const r = usageRollups;
  const result = await db.execute(sql`
    select ${r.principalId} as principal, ${r.gatewayId} as gateway, ${r.installationId} as server,
      ${r.toolName} as tool, sum(${r.count})::float8 as calls, sum(${r.errors})::float8 as errors
    from ${r}
    where ${rollupConditions(query)} and ${r.method} = 'tools/call'
    group by 1, 2, 3, 4
    order by 5 desc, 1, 2, 3, 4
    limit ${maxPaths + 1}`);
  const rows = rowsOf<PathRow>(result);
  const truncated = rows.length > maxPaths;
  const paths = truncated ? rows.slice(0, maxPaths) : rows;

  const labels = await loadUsageLabels(db, tenantId, {
    callers: paths.map((p) => p.principal),
    gateways: paths.map((p) => p.gateway),
    servers: paths.map((p) => p.server),
  });

  const nodes = new Map<string, UsageGraph['nodes'][number]>();
  const edges = new Map<string, UsageGraph['edges'][number]>();
  const node = (column: GraphColumn, key: string, label: () => string, calls: number, errors: number) => {
    const id = `${column}:${key}`;
    const existing = nodes.get(id);
    if (existing) {
      existing.calls += calls;
      existing.errors += errors;
    } else nodes.set(id, { id, column, label: label(), calls, errors });
    return id;
  };
  const edge = (from: string, to: string, calls: number, errors: number) => {
    const key = `${from}\u0000${to}`;
    const existing = edges.get(key);
    if (existing) {
      existing.calls += calls;
      existing.errors += errors;
    } else edges.set(key, { from, to, calls, errors });
  };

  for (const p of paths) {
    const { calls, errors } = p;
    const caller = node(
      'caller',
      p.principal,
      () => labels.caller(p.principal)?.label ?? 'Unauthenticated',
      calls,
      errors,
    );
    const gateway = node(
      'gateway',
      p.gateway,
      () => labels.gateway(p.gateway)?.label ?? 'Unknown gateway',
      calls,
      errors,
    );
    const server = node(
      'server',
      p.server,
      () => labels.server(p.server)?.label ?? 'No server',
      calls,
      errors,
    );
    // The same tool name on two servers is two tools.
    const tool = node('tool', `${p.server}/${p.tool}`, () => p.tool || 'Unknown tool', calls, errors);
    edge(caller, gateway, calls, errors);
    edge(gateway, server, calls, errors);
    edge(server, tool, calls, errors);
  }

  return {
    range: windowOf(query),
    nodes: [...nodes.values()].sort((a, b) => b.calls - a.calls || a.label.localeCompare(b.label)),
    edges: [...edges.values()].sort((a, b) => b.calls - a.calls),
    truncated,
  };
}
