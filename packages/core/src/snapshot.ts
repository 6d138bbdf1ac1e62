import { createHash } from 'node:crypto';
import { AppError } from './errors.ts';

/**
 * A gateway's configuration compiled for the proxy's hot path: everything a request needs,
 * no database access. Serialized into the shared cache, so it holds plain JSON only.
 */
export interface SnapshotUpstream {
  entryId: string;
  slug: string;
  name: string;
  transport: 'streamable_http' | 'sse' | 'stdio';
  url: string | null;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  authKind: 'none' | 'header' | 'oauth' | 'oauth_passthrough';
  authConfig: { headerName?: string; valuePrefix?: string };
  installFields: {
    key: string;
    secret: boolean;
    required: boolean;
    target?: { kind: 'header' | 'env' | 'arg'; name: string; prefix?: string };
  }[];
}

export interface SnapshotInstallation {
  id: string;
  entryId: string;
  name: string;
  scope: 'org' | 'team' | 'personal';
  teamId: string | null;
  userId: string | null;
  config: Record<string, string>;
  credentialsSealed: string | null;
}

export interface SnapshotTool {
  /** The name clients see: the assignment's alias, else `{server}__{tool}`. */
  name: string;
  upstreamName: string;
  entryId: string;
  /** Pinned installation; null = resolve the caller's installation at call time. */
  installationId: string | null;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** A prompt exposed by a gateway; its definition is listed live from the upstream. */
export interface SnapshotPrompt {
  name: string;
  upstreamName: string;
  entryId: string;
  installationId: string | null;
}

/** A server whose resources and resource templates a gateway exposes, URIs unchanged. */
export interface SnapshotResourceServer {
  entryId: string;
  installationId: string | null;
}

export interface GatewaySnapshot {
  format: 1;
  /** Content hash: equal snapshots have equal versions on every replica. */
  version: string;
  tenant: { id: string; slug: string };
  gateway: {
    id: string;
    slug: string;
    name: string;
    description: string;
    visibility: 'org' | 'teams';
    teamIds: string[];
    clientAuthMethods: string[];
    headerAllowlist: string[];
    toolExposure: 'full' | 'search';
  };
  tools: SnapshotTool[];
  prompts: SnapshotPrompt[];
  resourceServers: SnapshotResourceServer[];
  upstreams: Record<string, SnapshotUpstream>;
  /** Enabled installations of the gateway's upstreams, any scope. */
  installations: SnapshotInstallation[];
}

export interface SnapshotInput {
  tenant: GatewaySnapshot['tenant'];
  gateway: GatewaySnapshot['gateway'];
  assignments: {
    /** Default 'tool'. */
    kind?: 'tool' | 'prompt' | 'resources';
    entryId: string;
    toolName: string;
    installationId: string | null;
    alias: string | null;
    descriptionOverride: string | null;
  }[];
  upstreams: SnapshotUpstream[];
  installations: (SnapshotInstallation & { enabled: boolean })[];
  /** Discovered tools of those installations. */
  tools: {
    installationId: string;
    name: string;
    title: string | null;
    description: string;
    inputSchema: Record<string, unknown>;
    outputSchema: Record<string, unknown> | null;
    annotations: Record<string, unknown> | null;
    enabled: boolean;
  }[];
}

export const TOOL_NAME_SEPARATOR = '__';
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export const exposedToolName = (serverSlug: string, toolName: string, alias?: string | null): string =>
  alias ?? `${serverSlug}${TOOL_NAME_SEPARATOR}${toolName}`;

const SCOPE_PREFERENCE = { org: 0, team: 1, personal: 2 } as const;

/**
 * Compiles a gateway snapshot. Refuses (AppError CONFLICT/INVALID) configurations that would
 * give clients two tools with one name or a name MCP clients cannot call.
 */
export function compileGatewaySnapshot(input: SnapshotInput): GatewaySnapshot {
  const upstreams = new Map(input.upstreams.map((u) => [u.entryId, u]));
  const installations = input.installations.filter((i) => i.enabled && upstreams.has(i.entryId));
  const installationById = new Map(installations.map((i) => [i.id, i]));
  // Definition of a tool for "resolve at call time": prefer the org installation's discovery.
  const definitions = new Map<string, SnapshotInput['tools'][number]>();
  const rank = (installationId: string) =>
    SCOPE_PREFERENCE[installationById.get(installationId)?.scope ?? 'personal'];
  for (const tool of input.tools) {
    const installation = installationById.get(tool.installationId);
    if (!installation || !tool.enabled) continue;
    const key = `${installation.entryId}\u0000${tool.name}`;
    const current = definitions.get(key);
    if (!current || rank(tool.installationId) < rank(current.installationId)) definitions.set(key, tool);
  }
  const pinnedDefinitions = new Map(input.tools.map((t) => [`${t.installationId}\u0000${t.name}`, t]));

  const tools: SnapshotTool[] = [];
  const owners = new Map<string, string>();
  const prompts: SnapshotPrompt[] = [];
  const promptOwners = new Map<string, string>();
  const resourceServers: SnapshotResourceServer[] = [];
  for (const a of input.assignments) {
    const upstream = upstreams.get(a.entryId);
    if (!upstream) continue;
    if (a.installationId && !installationById.has(a.installationId)) continue;
    if (a.kind === 'resources') {
      resourceServers.push({ entryId: a.entryId, installationId: a.installationId });
    } else if (a.kind === 'prompt') {
      const name = exposedToolName(upstream.slug, a.toolName, a.alias);
      const owner = `${upstream.slug}/${a.toolName}`;
      const previous = promptOwners.get(name);
      if (previous) {
        throw new AppError(
          'CONFLICT',
          `prompt name "${name}" would be used by both ${previous} and ${owner}; set an alias`,
          {
            name,
            prompts: [previous, owner],
          },
        );
      }
      promptOwners.set(name, owner);
      prompts.push({ name, upstreamName: a.toolName, entryId: a.entryId, installationId: a.installationId });
    }
  }

  for (const a of input.assignments) {
    if (a.kind !== undefined && a.kind !== 'tool') continue;
    const upstream = upstreams.get(a.entryId);
    if (!upstream) continue;
    let definition: SnapshotInput['tools'][number] | undefined;
    if (a.installationId) {
      if (!installationById.has(a.installationId)) continue; // pinned installation disabled or gone
      definition = pinnedDefinitions.get(`${a.installationId}\u0000${a.toolName}`);
      if (definition && !definition.enabled) continue;
    } else {
      definition = definitions.get(`${a.entryId}\u0000${a.toolName}`);
    }
    if (!definition) continue; // not discovered (yet) on any usable installation

    const name = exposedToolName(upstream.slug, a.toolName, a.alias);
    if (!TOOL_NAME.test(name)) {
      throw new AppError(
        'INVALID',
        `tool name "${name}" is not a valid MCP tool name (1–128 of A–Z a–z 0–9 _ . -)`,
      );
    }
    const owner = `${upstream.slug}/${a.toolName}`;
    const previous = owners.get(name);
    if (previous) {
      throw new AppError(
        'CONFLICT',
        `tool name "${name}" would be used by both ${previous} and ${owner}; set an alias`,
        {
          name,
          tools: [previous, owner],
        },
      );
    }
    owners.set(name, owner);
    tools.push({
      name,
      upstreamName: a.toolName,
      entryId: a.entryId,
      installationId: a.installationId,
      ...(definition.title ? { title: definition.title } : {}),
      description: a.descriptionOverride ?? definition.description,
      inputSchema: definition.inputSchema,
      ...(definition.outputSchema ? { outputSchema: definition.outputSchema } : {}),
      ...(definition.annotations ? { annotations: definition.annotations } : {}),
    });
  }

  const byName = (x: { name: string }, y: { name: string }) =>
    x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
  tools.sort(byName);
  prompts.sort(byName);
  resourceServers.sort((x, y) => x.entryId.localeCompare(y.entryId));
  const usedEntries = new Set([...tools, ...prompts, ...resourceServers].map((t) => t.entryId));
  const body = {
    format: 1 as const,
    tenant: input.tenant,
    gateway: {
      ...input.gateway,
      teamIds: [...input.gateway.teamIds].sort(),
      headerAllowlist: input.gateway.headerAllowlist.map((h) => h.toLowerCase()),
    },
    tools,
    prompts,
    resourceServers,
    upstreams: Object.fromEntries([...upstreams].filter(([id]) => usedEntries.has(id))),
    installations: installations
      .filter((i) => usedEntries.has(i.entryId))
      .map(({ enabled: _enabled, ...rest }) => rest)
      .sort((x, y) => x.id.localeCompare(y.id)),
  };
  const version = createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16);
  return { ...body, version };
}
