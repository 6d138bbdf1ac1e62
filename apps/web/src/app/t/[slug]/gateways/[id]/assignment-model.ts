import type { Assignment, AssignmentInput } from '@toolgate/api/schemas/gateways';
import type { Installation, Prompt, Tool } from '@toolgate/api/schemas/installations';
import { RESOURCE_TOOL_NAMES } from '@toolgate/core/tool-naming';
import type { NamedItem } from './exposed-names.ts';

/**
 * The tool picker's model: what the admin has picked, per server, and what the snapshot compiler
 * would make of it. Pure, so the page only renders it.
 */

export type AssignmentKind = Assignment['kind'];

/** One assignment being edited. */
export interface Row {
  kind: AssignmentKind;
  registryEntryId: string;
  /** '*' for a resources assignment. */
  toolName: string;
  /** null: resolve the caller's personal → team → org installation at call time. */
  installationId: string | null;
  /** '' = no alias. */
  alias: string;
  /** null = the upstream's own description. */
  descriptionOverride: string | null;
}

export const RESOURCES = '*';

export const rowKey = (registryEntryId: string, kind: AssignmentKind, toolName: string): string =>
  `${registryEntryId}\u0000${kind}\u0000${toolName}`;

/** A freshly picked assignment: resolved at call time, no alias, the upstream's description. */
export const newRow = (registryEntryId: string, kind: AssignmentKind, toolName: string): Row => ({
  kind,
  registryEntryId,
  toolName,
  installationId: null,
  alias: '',
  descriptionOverride: null,
});

export function rowsFrom(assignments: readonly Assignment[]): Map<string, Row> {
  return new Map(
    assignments.map((a) => [
      rowKey(a.registryEntryId, a.kind, a.toolName),
      {
        kind: a.kind,
        registryEntryId: a.registryEntryId,
        toolName: a.toolName,
        installationId: a.installationId,
        alias: a.alias ?? '',
        descriptionOverride: a.descriptionOverride,
      },
    ]),
  );
}

export function toInput(rows: ReadonlyMap<string, Row>): AssignmentInput[] {
  return [...rows.values()].map((r) => ({
    kind: r.kind,
    registryEntryId: r.registryEntryId,
    ...(r.kind === 'resources' ? {} : { toolName: r.toolName }),
    installationId: r.installationId,
    alias: r.kind === 'resources' ? null : r.alias.trim() || null,
    descriptionOverride: r.kind === 'tool' && r.descriptionOverride?.trim() ? r.descriptionOverride : null,
  }));
}

/** Whether two edits would save the same assignments. */
export function sameAssignments(a: ReadonlyMap<string, Row>, b: ReadonlyMap<string, Row>): boolean {
  const canonical = (rows: ReadonlyMap<string, Row>) =>
    JSON.stringify(toInput(rows).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));
  return canonical(a) === canonical(b);
}

export interface GroupInstallation {
  id: string;
  name: string;
  scope: Installation['scope'];
  enabled: boolean;
  /** Health as the last discovery or health check recorded it. */
  status: Installation['status'];
  lastError: string | null;
  /** Discovered tools by name: whether gateways serve them from here (`servesTool`). */
  tools: Map<string, boolean>;
}

/** A tool definition's review under pinning (null on the tool: approved as listed). */
export type ToolReview = NonNullable<Tool['review']>;
/** The workspace's choice while a changed definition waits for review. */
export type OnToolChange = 'serve_approved' | 'disable';

/** A review the picker shows, with the installation whose discovery it is about. */
export interface PickerReview extends ToolReview {
  installation: string;
}

/**
 * Whether gateways serve an installation's tool, as the snapshot compiler decides: enabled, and
 * approved — a new tool never approved is not served, nor a changed one whose change waits when
 * the workspace switches such tools off.
 */
export function servesTool(tool: Pick<Tool, 'enabled' | 'review'>, onToolChange: OnToolChange): boolean {
  if (!tool.enabled) return false;
  if (!tool.review) return true;
  if (tool.review.kind === 'new') return false;
  return !(tool.review.status === 'pending' && onToolChange === 'disable');
}

/** One server: its installations the caller can see and the union of their tools. */
export interface ServerGroup {
  id: string;
  name: string;
  slug: string;
  installations: GroupInstallation[];
  /** Tool name → description, from any installation. */
  discovered: Map<string, string>;
  /** Tools whose listed definition is not approved, by name (a pending review before a rejected one). */
  reviews: Map<string, PickerReview>;
  /** Prompt name → what prompts/list said of it, from any installation. */
  prompts: Map<string, DiscoveredPrompt>;
}

export interface DiscoveredPrompt {
  description: string;
  /** As prompts/list announced them. */
  arguments: Prompt['arguments'];
}

export function serverGroups(
  installations: readonly {
    installation: Installation;
    tools: readonly Tool[];
    prompts?: readonly Prompt[];
  }[],
  entries: readonly { id: string; name: string; slug: string }[],
  rows: ReadonlyMap<string, Row>,
  onToolChange: OnToolChange = 'serve_approved',
): ServerGroup[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const groups = new Map<string, ServerGroup>();
  const groupOf = (entryId: string, fallbackName: string) => {
    let group = groups.get(entryId);
    if (!group) {
      const entry = byId.get(entryId);
      group = {
        id: entryId,
        name: entry?.name ?? fallbackName,
        slug: entry?.slug ?? '',
        installations: [],
        discovered: new Map(),
        reviews: new Map(),
        prompts: new Map(),
      };
      groups.set(entryId, group);
    }
    return group;
  };
  for (const { installation, tools, prompts = [] } of installations) {
    const group = groupOf(installation.registryEntryId, installation.name);
    group.installations.push({
      id: installation.id,
      name: installation.name,
      scope: installation.scope,
      enabled: installation.enabled,
      status: installation.status,
      lastError: installation.lastError,
      tools: new Map(tools.map((t) => [t.name, servesTool(t, onToolChange)])),
    });
    for (const t of tools) {
      if (!group.discovered.has(t.name)) group.discovered.set(t.name, t.description);
      const known = group.reviews.get(t.name);
      if (t.review && (!known || (known.status === 'rejected' && t.review.status === 'pending')))
        group.reviews.set(t.name, { ...t.review, installation: installation.name });
    }
    for (const p of prompts)
      if (!group.prompts.has(p.name))
        group.prompts.set(p.name, { description: p.description, arguments: p.arguments });
  }
  // Assignments of servers nobody has installed (or the caller cannot see) stay editable.
  for (const row of rows.values()) groupOf(row.registryEntryId, 'Unknown server');
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Why a server offers nothing to pick: none of its installations is ready and none has discovered
 * a tool (never discovered, unreachable, credentials refused…). Null when there is something to
 * pick, or no installation to explain.
 */
export function unavailableReason(group: ServerGroup): string | null {
  if (group.installations.length === 0 || group.discovered.size > 0) return null;
  if (group.installations.some((i) => i.status === 'ready')) return null;
  return group.installations
    .map((i) => {
      const why = i.lastError ?? (i.status === 'pending' ? 'not discovered yet' : 'not ready');
      return group.installations.length > 1 ? `${i.name}: ${why}` : why;
    })
    .join('; ');
}

/** Whether the compiler would expose this tool: discovered, enabled and approved where it is served from. */
export function isLive(group: ServerGroup, row: Row): boolean {
  if (row.kind !== 'tool') return true;
  const serves = (i: GroupInstallation) => i.enabled && i.tools.get(row.toolName) === true;
  if (row.installationId) {
    const pinned = group.installations.find((i) => i.id === row.installationId);
    return pinned ? serves(pinned) : false;
  }
  return group.installations.some(serves);
}

/** Everything named that the rows would expose, for `checkExposedNames`. */
export function namedItems(groups: readonly ServerGroup[], rows: ReadonlyMap<string, Row>): NamedItem[] {
  const bySlug = new Map(groups.map((g) => [g.id, g]));
  const items: NamedItem[] = [];
  for (const [key, row] of rows) {
    const group = bySlug.get(row.registryEntryId);
    if (!group) continue;
    if (row.kind === 'resources') {
      // A server with resources but no tools gets generated resource tools instead.
      const hasTools = group.installations.some((i) => i.enabled && i.tools.size > 0);
      const pinnedGone =
        row.installationId !== null &&
        !group.installations.some((i) => i.id === row.installationId && i.enabled);
      if (hasTools || pinnedGone) continue;
      for (const toolName of RESOURCE_TOOL_NAMES)
        items.push({
          key: `${key}\u0000${toolName}`,
          kind: 'tool',
          serverSlug: group.slug,
          toolName,
          alias: null,
          live: true,
        });
      continue;
    }
    items.push({
      key,
      kind: row.kind,
      serverSlug: group.slug,
      toolName: row.toolName,
      alias: row.alias.trim() || null,
      live: isLive(group, row),
    });
  }
  return items;
}

/** "github/search" for a row or a generated resource tool key. */
export function describeKey(groups: readonly ServerGroup[], key: string): string {
  const [entryId = '', kind, toolName = '', generated] = key.split('\u0000');
  const slug = groups.find((g) => g.id === entryId)?.slug ?? 'server';
  if (kind === 'resources') return `${slug}/${generated ?? 'resources'} (generated)`;
  return `${slug}/${toolName}${kind === 'prompt' ? ' (prompt)' : ''}`;
}

/** Whether a tool (or prompt) matches the picker's search: its name or description contains it. */
export function matchesSearch(query: string, name: string, description: string | undefined): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return name.toLowerCase().includes(q) || (description ?? '').toLowerCase().includes(q);
}

/**
 * How the picker words a tool's review: a badge, and what gateways do meanwhile. `installations`
 * is how many the server has here: with more than one, the one concerned is named.
 */
export function describeReview(
  review: PickerReview,
  onToolChange: OnToolChange,
  installations: number,
): { badge: string; detail: string } {
  const on = installations > 1 ? ` (${review.installation})` : '';
  if (review.kind === 'new')
    return review.status === 'pending'
      ? {
          badge: 'Waiting for approval',
          detail: `New tool${on}: not served until an owner or admin approves it.`,
        }
      : { badge: 'Rejected', detail: `New tool${on}, rejected: not served.` };
  if (review.status === 'rejected')
    return {
      badge: 'Change rejected',
      detail: `Its definition changed${on} and the change was rejected: gateways serve the approved one.`,
    };
  return {
    badge: 'Change waiting for approval',
    detail:
      onToolChange === 'disable'
        ? `Its definition changed${on}: switched off on every gateway until the change is approved.`
        : `Its definition changed${on}: gateways serve the approved one until the change is approved.`,
  };
}
