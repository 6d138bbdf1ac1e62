import { AppError } from './errors.ts';
import type {
  SnapshotInput,
  SnapshotPrompt,
  SnapshotResourceServer,
  SnapshotTool,
  SnapshotUpstream,
} from './snapshot-types.ts';
import { exposedToolName, TOOL_NAME_PATTERN } from './tool-naming.ts';

type InputTool = SnapshotInput['tools'][number];
type InputInstallation = SnapshotInput['installations'][number];

const SCOPE_PREFERENCE = { org: 0, team: 1, personal: 2 } as const;

/**
 * The definition a gateway serves of a discovered tool: the approved one when pinning applies,
 * and off while never approved, or while a change waits under `onToolChange: 'disable'`.
 */
export function servedTool(tool: InputTool, onToolChange: SnapshotInput['onToolChange']): InputTool {
  const { approved, changePending, ...listed } = tool;
  if (approved === undefined) return listed;
  if (approved === null) return { ...listed, enabled: false };
  return {
    ...listed,
    title: approved.title,
    description: approved.description,
    inputSchema: approved.inputSchema,
    outputSchema: approved.outputSchema,
    annotations: approved.annotations,
    meta: approved.meta ?? null,
    execution: approved.execution ?? null,
    enabled: tool.enabled && !(changePending === true && onToolChange === 'disable'),
  };
}

/** What a gateway exposes: its tools (generated resource tools included), prompts and resource servers. */
export interface ExposedItems {
  tools: SnapshotTool[];
  prompts: SnapshotPrompt[];
  resourceServers: SnapshotResourceServer[];
}

/**
 * Resolves the gateway's assignments against the usable installations and the tools as served.
 * Refuses (AppError CONFLICT/INVALID) two tools or prompts with one name, or a name MCP clients
 * cannot call. Unsorted: the caller orders them.
 */
export function exposedItems(
  input: SnapshotInput,
  upstreams: ReadonlyMap<string, SnapshotUpstream>,
  installationById: ReadonlyMap<string, InputInstallation>,
  served: readonly InputTool[],
): ExposedItems {
  // Definition of a tool for "resolve at call time": prefer the org installation's discovery.
  const definitions = new Map<string, InputTool>();
  const rank = (installationId: string) =>
    SCOPE_PREFERENCE[installationById.get(installationId)?.scope ?? 'personal'];
  for (const tool of served) {
    const installation = installationById.get(tool.installationId);
    if (!installation || !tool.enabled) continue;
    const key = `${installation.entryId}\u0000${tool.name}`;
    const current = definitions.get(key);
    if (!current || rank(tool.installationId) < rank(current.installationId)) definitions.set(key, tool);
  }
  const pinnedDefinitions = new Map(served.map((t) => [`${t.installationId}\u0000${t.name}`, t]));

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
      claimName(promptOwners, 'prompt', name, `${upstream.slug}/${a.toolName}`);
      prompts.push({ name, upstreamName: a.toolName, entryId: a.entryId, installationId: a.installationId });
    }
  }

  for (const a of input.assignments) {
    if (a.kind !== undefined && a.kind !== 'tool') continue;
    const upstream = upstreams.get(a.entryId);
    if (!upstream) continue;
    let definition: InputTool | undefined;
    if (a.installationId) {
      if (!installationById.has(a.installationId)) continue; // pinned installation disabled or gone
      definition = pinnedDefinitions.get(`${a.installationId}\u0000${a.toolName}`);
      if (definition && !definition.enabled) continue;
    } else {
      definition = definitions.get(`${a.entryId}\u0000${a.toolName}`);
    }
    if (!definition) continue; // not discovered (yet) on any usable installation

    const name = exposedToolName(upstream.slug, a.toolName, a.alias);
    if (!TOOL_NAME_PATTERN.test(name)) {
      throw new AppError(
        'INVALID',
        `tool name "${name}" is not a valid MCP tool name (1–128 of A–Z a–z 0–9 _ . -)`,
      );
    }
    claimName(owners, 'tool', name, `${upstream.slug}/${a.toolName}`);
    const labels = toolLabels(input.entryToolLabels?.[a.entryId]?.[a.toolName], definition.labels);
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
      ...(definition.meta ? { meta: definition.meta } : {}),
      ...(definition.execution ? { execution: definition.execution } : {}),
      ...(labels.length > 0 ? { labels } : {}),
    });
  }

  // Servers whose resources are exposed but which have no tools get resource tools instead.
  for (const server of resourceServers) {
    const upstream = upstreams.get(server.entryId)!;
    const hasTools = input.tools.some(
      (t) => installationById.get(t.installationId)?.entryId === server.entryId,
    );
    if (hasTools) continue;
    for (const tool of resourceTools(upstream, server)) {
      const previous = owners.get(tool.name);
      if (previous) {
        throw new AppError(
          'CONFLICT',
          `tool name "${tool.name}" would be used by both ${previous} and a generated resource tool`,
        );
      }
      owners.set(tool.name, `${upstream.slug}/${tool.upstreamName}`);
      tools.push(tool);
    }
  }
  return { tools, prompts, resourceServers };
}

/** Records who uses an exposed name; refuses (CONFLICT, naming both) a name already used. */
function claimName(owners: Map<string, string>, kind: 'tool' | 'prompt', name: string, owner: string): void {
  const previous = owners.get(name);
  if (previous) {
    throw new AppError(
      'CONFLICT',
      `${kind} name "${name}" would be used by both ${previous} and ${owner}; set an alias`,
      { name, [`${kind}s`]: [previous, owner] },
    );
  }
  owners.set(name, owner);
}

/** The entry's labels for the tool and the installation tool's own, deduplicated and sorted. */
function toolLabels(
  entryLabels: readonly string[] | undefined,
  ownLabels: readonly string[] | undefined,
): string[] {
  if (!entryLabels?.length && !ownLabels?.length) return [];
  return [...new Set([...(entryLabels ?? []), ...(ownLabels ?? [])])].sort();
}

function resourceTools(upstream: SnapshotUpstream, server: SnapshotResourceServer): SnapshotTool[] {
  const base = { entryId: server.entryId, installationId: server.installationId };
  return [
    {
      ...base,
      name: exposedToolName(upstream.slug, 'list_resources'),
      upstreamName: 'resources/list',
      synthetic: 'list_resources',
      description: `List the resources ${upstream.name} offers (URIs, names and types).`,
      inputSchema: { type: 'object', properties: {} },
      annotations: { readOnlyHint: true },
    },
    {
      ...base,
      name: exposedToolName(upstream.slug, 'read_resource'),
      upstreamName: 'resources/read',
      synthetic: 'read_resource',
      description: `Read one resource of ${upstream.name} by its URI.`,
      inputSchema: {
        type: 'object',
        properties: { uri: { type: 'string', description: 'The resource URI, as listed by list_resources' } },
        required: ['uri'],
      },
      annotations: { readOnlyHint: true },
    },
  ];
}
