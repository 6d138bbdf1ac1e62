import { createHash } from 'node:crypto';
import { comparePolicies } from './policy/types.ts';
import { exposedItems, servedTool } from './snapshot-exposed.ts';
import type {
  GatewaySnapshot,
  SnapshotInput,
  SnapshotPassthrough,
  SnapshotUpstream,
} from './snapshot-types.ts';

export type {
  ApprovedToolDefinition,
  GatewaySnapshot,
  SnapshotIdentityProvider,
  SnapshotInput,
  SnapshotInstallation,
  SnapshotPassthrough,
  SnapshotPrompt,
  SnapshotResourceServer,
  SnapshotTenant,
  SnapshotTool,
  SnapshotUpstream,
} from './snapshot-types.ts';

/**
 * Compiles a gateway snapshot. Refuses (AppError CONFLICT/INVALID) configurations that would
 * give clients two tools with one name or a name MCP clients cannot call.
 */
export function compileGatewaySnapshot(input: SnapshotInput): GatewaySnapshot {
  const upstreams = new Map(input.upstreams.map((u) => [u.entryId, u]));
  const installations = input.installations.filter((i) => i.enabled && upstreams.has(i.entryId));
  const installationById = new Map(installations.map((i) => [i.id, i]));
  const served = input.tools.map((t) => servedTool(t, input.onToolChange));
  const disabledTools = new Map<string, string[]>();
  const toolLimits = new Map<string, Record<string, number>>();
  for (const tool of served) {
    if (tool.callsPerMinute !== undefined && tool.callsPerMinute !== null) {
      const limits = toolLimits.get(tool.installationId) ?? {};
      limits[tool.name] = tool.callsPerMinute;
      toolLimits.set(tool.installationId, limits);
    }
    if (tool.enabled) continue;
    const off = disabledTools.get(tool.installationId);
    if (off) off.push(tool.name);
    else disabledTools.set(tool.installationId, [tool.name]);
  }

  const { tools, prompts, resourceServers } = exposedItems(input, upstreams, installationById, served);

  const byName = (x: { name: string }, y: { name: string }) =>
    x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
  tools.sort(byName);
  prompts.sort(byName);
  resourceServers.sort((x, y) => x.entryId.localeCompare(y.entryId));
  const usedEntries = new Set([...tools, ...prompts, ...resourceServers].map((t) => t.entryId));
  const passthrough = passthroughOf(input.gateway, upstreams);
  if (passthrough) usedEntries.add(passthrough.entryId);
  const { passthroughEntryId: _fronted, ...gateway } = input.gateway;
  // Only the fields the proxy evaluates: the version must not move with anything else of a row.
  const policies = (input.policies ?? [])
    .map(({ id, name, priority, action, condition, message, approvers }) => ({
      id,
      name,
      priority,
      action,
      condition,
      message,
      ...(approvers && action === 'require_approval' ? { approvers } : {}),
    }))
    .sort(comparePolicies);
  const guardrails = (input.guardrails ?? [])
    .map(({ id, name, direction, detectors, patterns, action, external }) => ({
      id,
      name,
      direction,
      detectors: [...detectors].sort(),
      patterns: patterns.map((p) => ({ name: p.name, pattern: p.pattern })),
      action,
      ...(external ? { external: { ...external } } : {}),
    }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.id.localeCompare(y.id)));
  const body = {
    format: 1 as const,
    tenant: input.tenant,
    ...(input.identityProvider ? { identityProvider: input.identityProvider } : {}),
    ...(passthrough ? { passthrough } : {}),
    gateway: {
      ...gateway,
      teamIds: [...input.gateway.teamIds].sort(),
      headerAllowlist: input.gateway.headerAllowlist.map((h) => h.toLowerCase()),
    },
    tools,
    prompts,
    resourceServers,
    upstreams: Object.fromEntries([...upstreams].filter(([id]) => usedEntries.has(id))),
    installations: installations
      .filter((i) => usedEntries.has(i.entryId))
      .map(({ enabled: _enabled, disabledTools: _given, toolLimits: _limits, ...rest }) => {
        const off = disabledTools.get(rest.id);
        const limits = toolLimits.get(rest.id);
        return {
          ...rest,
          ...(off ? { disabledTools: off.sort() } : {}),
          ...(limits ? { toolLimits: sortedRecord(limits) } : {}),
        };
      })
      .sort((x, y) => x.id.localeCompare(y.id)),
    // Absent when none, so gateways without policies keep the versions they had.
    ...(policies.length > 0 ? { policies } : {}),
    ...(policies.length > 0 && input.teamSlugs
      ? {
          teamSlugs: Object.fromEntries(
            Object.entries(input.teamSlugs).sort(([a], [b]) => a.localeCompare(b)),
          ),
        }
      : {}),
    ...(guardrails.length > 0 ? { guardrails } : {}),
  };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16);
  return { ...body, version };
}

const sortedRecord = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function passthroughOf(
  gateway: SnapshotInput['gateway'],
  upstreams: ReadonlyMap<string, SnapshotUpstream>,
): SnapshotPassthrough | undefined {
  if (!gateway.clientAuthMethods.includes('passthrough') || !gateway.passthroughEntryId) return undefined;
  const upstream = upstreams.get(gateway.passthroughEntryId);
  const issuer = upstream?.authConfig.authorizationServer;
  if (!upstream || upstream.authKind !== 'oauth_passthrough' || !upstream.url || !issuer) return undefined;
  if (upstream.transport !== 'streamable_http' && upstream.transport !== 'sse') return undefined;
  const { scopes } = upstream.authConfig;
  return { entryId: upstream.entryId, issuer, ...(scopes?.length ? { scopes } : {}) };
}
