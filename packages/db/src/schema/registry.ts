import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { teams, tenants, users } from './tenancy.ts';

/** How a tenant's own registry entries are reached: remote (HTTP, SSE) or a local command. */
export const TRANSPORTS = ['streamable_http', 'sse', 'stdio'] as const;
/**
 * Besides those, the built-in catalog has `builtin` servers that Toolgate itself answers (the
 * management server `toolgate`): no URL, no command, no upstream process.
 */
export const ENTRY_TRANSPORTS = [...TRANSPORTS, 'builtin'] as const;
export type Transport = (typeof ENTRY_TRANSPORTS)[number];
/**
 * `oauth_passthrough` is kept for existing entries only: the proxy does not forward callers' tokens
 * (see docs/authentication.md). `jwt`: Toolgate signs a short-lived token naming the caller per call.
 */
export const AUTH_KINDS = [
  'none',
  'header',
  'oauth',
  'oauth_passthrough',
  'jwt',
  'token_exchange',
  'id_jag',
] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];
/**
 * Network of a self-hosted server's sandbox: `none` (only its own loopback) or `egress` (the
 * runner host's network). Remote servers ignore it.
 */
export const SERVER_NETWORKS = ['none', 'egress'] as const;
export type ServerNetwork = (typeof SERVER_NETWORKS)[number];

export const INSTALL_SCOPES = ['org', 'team', 'personal'] as const;
export type InstallScope = (typeof INSTALL_SCOPES)[number];
/**
 * `pending` until first discovered; then what the last discovery or health check found: `ready`,
 * `unreachable` (no answer), `auth_failed` (the upstream refused the credential), `error`.
 */
export const INSTALL_STATUSES = ['pending', 'ready', 'unreachable', 'auth_failed', 'error'] as const;

export interface AuthConfig {
  /** For `header`: the header to set, and a prefix such as "Bearer ". */
  headerName?: string;
  valuePrefix?: string;
  /** For `oauth`: what discovery found or the admin entered. */
  authorizationServer?: string;
  scopes?: string[];
  /**
   * For `token_exchange` (RFC 8693) and `id_jag`: the enterprise IdP's token endpoint where the
   * caller's IdP token is exchanged, and (token_exchange) the audience to ask for (default: the
   * server's URL as `resource`). `id_jag` asks the IdP for an ID-JAG for `authorizationServer`
   * (the server's own authorization server) and redeems it there.
   */
  tokenEndpoint?: string;
  audience?: string;
}

export interface InstallField {
  key: string;
  label: string;
  required: boolean;
  secret: boolean;
  description?: string;
  /** Where the value goes: an HTTP header, an env var for stdio, or an argument. */
  target?: { kind: 'header' | 'env' | 'arg'; name: string; prefix?: string };
}

/** A template for connecting to an MCP server. `tenantId` null = built-in catalog entry. */
export const registryEntries = pgTable(
  'registry_entries',
  {
    id: id(),
    tenantId: uuid().references(() => tenants.id, { onDelete: 'cascade' }),
    slug: text().notNull(),
    name: text().notNull(),
    description: text().notNull().default(''),
    transport: text({ enum: ENTRY_TRANSPORTS }).notNull(),
    url: text(),
    command: text(),
    args: jsonb().$type<string[]>().notNull().default([]),
    env: jsonb().$type<Record<string, string>>().notNull().default({}),
    authKind: text({ enum: AUTH_KINDS }).notNull().default('none'),
    authConfig: jsonb().$type<AuthConfig>().notNull().default({}),
    installFields: jsonb().$type<InstallField[]>().notNull().default([]),
    /**
     * Labels admins set on a tool of this entry by tool name, for every installation of it (the
     * snapshot adds each installation tool's own `labels`). Tenant entries only: the built-in
     * catalog is shared, so its tools are labelled per installation.
     */
    toolLabels: jsonb().$type<Record<string, string[]>>().notNull().default({}),
    docsUrl: text(),
    iconUrl: text(),
    /**
     * The server's version as the entry offers it. For a packaged entry (`package` set), the exact
     * npm version installations run unless they pin another.
     */
    version: text(),
    /**
     * A packaged self-hosted server: the npm package (`@modelcontextprotocol/server-everything`)
     * runners install (`npm install --ignore-scripts`, per-version cache) and run. With a package,
     * `command` is optional: the package's `bin` (or its only bin) is run.
     */
    package: text(),
    /** Which of the package's bins to run (default: its only one, or the one named like it). */
    bin: text(),
    /** The sandbox's network (stdio servers): `none` or `egress`. */
    network: text({ enum: SERVER_NETWORKS }).notNull().default('none'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('registry_entries_tenant_slug_idx')
      .on(t.tenantId, t.slug)
      .where(sql`${t.tenantId} is not null`),
    uniqueIndex('registry_entries_catalog_slug_idx')
      .on(t.slug)
      .where(sql`${t.tenantId} is null`),
    check(
      'registry_entries_target_chk',
      sql`(${t.transport} = 'stdio' and (${t.command} is not null or ${t.package} is not null)) or (${t.transport} in ('streamable_http', 'sse') and ${t.url} is not null) or (${t.transport} = 'builtin' and ${t.tenantId} is null and ${t.url} is null and ${t.command} is null)`,
    ),
  ],
);

/** A connection made from a registry entry, with its (encrypted) credentials. */
export const installations = pgTable(
  'installations',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    registryEntryId: uuid()
      .notNull()
      .references(() => registryEntries.id, { onDelete: 'restrict' }),
    name: text().notNull(),
    scope: text({ enum: INSTALL_SCOPES }).notNull(),
    teamId: uuid().references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid().references(() => users.id, { onDelete: 'cascade' }),
    /** Non-secret install-time field values. */
    config: jsonb().$type<Record<string, string>>().notNull().default({}),
    /** Secret field values as one sealed JSON object (see @toolgate/core/crypto). */
    credentialsSealed: text(),
    /**
     * The package version an admin pins the installation to (packaged servers); null runs the
     * entry's `version`. Changed deliberately ("upgrade to …"), audited.
     */
    pinnedVersion: text(),
    /**
     * The exact version the runner last started: the npm package version for packaged servers, the
     * image tag on Kubernetes (null until a runner started one).
     */
    packageVersion: text(),
    /**
     * A canary: `canaryVersion` runs next to the stable version and `canaryPercent` (1–99) of
     * callers, sticky per caller, are sent to it until it is promoted or rolled back.
     */
    canaryVersion: text(),
    canaryPercent: integer(),
    canaryStartedAt: timestamp({ withTimezone: true }),
    /**
     * What the server says it is: `serverInfo` of its `initialize` answer, as the last discovery or
     * health check saw it (null until one did). Remote servers cannot be pinned, so a change of
     * `serverVersion` is drift: recorded, audited, tool definitions re-checked, admins told.
     */
    serverName: text(),
    serverVersion: text(),
    /** When `serverVersion` was first seen (unchanged while the server reports the same version). */
    serverVersionSeenAt: timestamp({ withTimezone: true }),
    /** The version before the last change of `serverVersion`, and when that change was seen. */
    previousServerVersion: text(),
    serverVersionChangedAt: timestamp({ withTimezone: true }),
    status: text({ enum: INSTALL_STATUSES }).notNull().default('pending'),
    lastError: text(),
    enabled: boolean().notNull().default(true),
    discoveredAt: timestamp({ withTimezone: true }),
    /** When the worker's health check (or a discovery) last reached a verdict. */
    checkedAt: timestamp({ withTimezone: true }),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('installations_tenant_entry_idx').on(t.tenantId, t.registryEntryId),
    // Two installations of one entry in one place must be told apart by name.
    uniqueIndex('installations_name_idx').on(
      t.tenantId,
      t.registryEntryId,
      t.scope,
      // Org installations have neither: a constant, since NULLs never collide in a unique index.
      sql`coalesce(${t.teamId}, ${t.userId}, '00000000-0000-0000-0000-000000000000'::uuid)`,
      sql`lower(${t.name})`,
    ),
    check(
      'installations_scope_chk',
      sql`(${t.scope} = 'org' and ${t.teamId} is null and ${t.userId} is null)
        or (${t.scope} = 'team' and ${t.teamId} is not null and ${t.userId} is null)
        or (${t.scope} = 'personal' and ${t.userId} is not null and ${t.teamId} is null)`,
    ),
    check(
      'installations_canary_chk',
      sql`(${t.canaryVersion} is null and ${t.canaryPercent} is null)
        or (${t.canaryVersion} is not null and ${t.canaryPercent} between 1 and 99)`,
    ),
  ],
);

/**
 * What clients are told about a tool besides its name: what an approval pins (definition pinning,
 * docs/policies.md). `schemaHash`/`approvedHash` are hashes of it (with the name).
 */
export interface ToolDefinition {
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
  meta: Record<string, unknown> | null;
  execution: Record<string, unknown> | null;
}

/**
 * A tool discovered on an installation. Its definition columns follow the upstream's latest
 * listing (`schemaHash`); clients are served `approvedDefinition`, the one an admin (or the
 * tenant's auto-approval of new tools) accepted, whose hash `approvedHash` pins.
 */
export const tools = pgTable(
  'tools',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    installationId: uuid()
      .notNull()
      .references(() => installations.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    title: text(),
    description: text().notNull().default(''),
    inputSchema: jsonb().$type<Record<string, unknown>>().notNull().default({ type: 'object' }),
    outputSchema: jsonb().$type<Record<string, unknown>>(),
    annotations: jsonb().$type<Record<string, unknown>>(),
    /** The tool's `_meta` as the upstream lists it (e.g. MCP Apps' `ui.resourceUri`). */
    meta: jsonb().$type<Record<string, unknown>>(),
    /** The tool's `execution` as the upstream lists it (MCP tasks: `taskSupport`). */
    execution: jsonb().$type<Record<string, unknown>>(),
    schemaHash: text().notNull(),
    approvedHash: text(),
    /** The definition clients are served; null = never approved, so not served at all. */
    approvedDefinition: jsonb().$type<ToolDefinition>(),
    /** Since when the upstream's definition (`schemaHash`) differs from the approved one; null when it does not. */
    pendingSince: timestamp({ withTimezone: true }),
    /** The definition hash an admin last rejected: a discovery listing it again raises nothing new. */
    rejectedHash: text(),
    /**
     * When the upstream stopped listing the tool; null while listed. A vanished tool is not served
     * or shown, but keeps its approval, so coming back changed is a change to review, not a new tool.
     */
    vanishedAt: timestamp({ withTimezone: true }),
    enabled: boolean().notNull().default(true),
    /** Labels admins set on this tool (`untrusted-output`, `external-send`, …); kept by re-discovery. */
    labels: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** An admin's limit on calls of this tool through this installation, per minute, all callers together; null = none. */
    callsPerMinute: integer(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tools_installation_name_idx').on(t.installationId, t.name),
    index('tools_tenant_idx').on(t.tenantId),
    index('tools_pending_idx')
      .on(t.tenantId)
      .where(sql`${t.pendingSince} is not null`),
  ],
);

/** An argument a prompt takes, as prompts/list announces it. */
export interface PromptArgument {
  name: string;
  description?: string;
  required?: boolean;
}

/**
 * Prompts discovered per installation (prompts/list, when the server declares the prompts
 * capability), recorded with its tools so gateway admins pick prompts from a list. The proxy
 * routes prompts/get by the gateway's assignments, not by these rows.
 */
export const prompts = pgTable(
  'prompts',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    installationId: uuid()
      .notNull()
      .references(() => installations.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    title: text(),
    description: text().notNull().default(''),
    arguments: jsonb().$type<PromptArgument[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('prompts_installation_name_idx').on(t.installationId, t.name),
    index('prompts_tenant_idx').on(t.tenantId),
  ],
);

export const INSTALLATION_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type InstallationRequestStatus = (typeof INSTALLATION_REQUEST_STATUSES)[number];

/**
 * A member asks for a server to be installed; an admin approves (which creates the
 * installation, linked here) or rejects it with a note.
 */
export const installationRequests = pgTable(
  'installation_requests',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    registryEntryId: uuid()
      .notNull()
      .references(() => registryEntries.id, { onDelete: 'cascade' }),
    requestedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    /** The scope asked for; a team request names the team. */
    scope: text({ enum: INSTALL_SCOPES }).notNull().default('org'),
    teamId: uuid().references(() => teams.id, { onDelete: 'cascade' }),
    reason: text().notNull().default(''),
    status: text({ enum: INSTALLATION_REQUEST_STATUSES }).notNull().default('pending'),
    decidedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp({ withTimezone: true }),
    decisionNote: text(),
    installationId: uuid().references(() => installations.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('installation_requests_tenant_status_idx').on(t.tenantId, t.status)],
);
