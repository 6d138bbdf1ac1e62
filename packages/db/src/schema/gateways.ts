import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { identityProviders } from './oauth.ts';
import { installations, registryEntries } from './registry.ts';
import { teams, tenants } from './tenancy.ts';

export const GATEWAY_VISIBILITIES = ['org', 'teams'] as const;
/**
 * `passthrough`: the gateway fronts one server (`passthroughEntryId`) and accepts only access tokens
 * of that server's authorization server, issued for the gateway's URL, which it forwards unchanged
 * to that server alone; it is a gateway's only method when present.
 */
export const CLIENT_AUTH_METHODS = ['api_token', 'oauth', 'idp_jwt', 'passthrough'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
export const TOOL_EXPOSURES = ['full', 'search'] as const;
/**
 * What an assignment exposes: one tool, one prompt (both named and alias-able), or all
 * resources and resource templates of a server (URIs unchanged; `toolName` is '*').
 */
export const ASSIGNMENT_KINDS = ['tool', 'prompt', 'resources'] as const;
export type AssignmentKind = (typeof ASSIGNMENT_KINDS)[number];

export const gateways = pgTable(
  'gateways',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    slug: text().notNull(),
    name: text().notNull(),
    description: text().notNull().default(''),
    visibility: text({ enum: GATEWAY_VISIBILITIES }).notNull().default('org'),
    clientAuthMethods: text({ enum: CLIENT_AUTH_METHODS })
      .array()
      .notNull()
      .default(sql`'{api_token,oauth}'::text[]`),
    /** The identity provider whose JWTs this gateway accepts (method `idp_jwt`). */
    identityProviderId: uuid().references((): AnyPgColumn => identityProviders.id, { onDelete: 'set null' }),
    toolExposure: text({ enum: TOOL_EXPOSURES }).notNull().default('full'),
    /** The one server a pass-through gateway fronts (client auth method `passthrough`). */
    passthroughEntryId: uuid().references((): AnyPgColumn => registryEntries.id, { onDelete: 'set null' }),
    /** Client headers forwarded upstream; stored lower-case. */
    headerAllowlist: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('gateways_tenant_slug_idx').on(t.tenantId, t.slug)],
);

/** Teams that may see a gateway whose visibility is `teams`. */
export const gatewayTeams = pgTable(
  'gateway_teams',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.gatewayId, t.teamId] })],
);

/**
 * A tool exposed through a gateway, named by registry entry + tool name so it survives
 * reinstallation. `installationId` null means "resolve the caller's installation at call time".
 */
export const gatewayToolAssignments = pgTable(
  'gateway_tool_assignments',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    registryEntryId: uuid()
      .notNull()
      .references(() => registryEntries.id, { onDelete: 'cascade' }),
    kind: text({ enum: ASSIGNMENT_KINDS }).notNull().default('tool'),
    toolName: text().notNull(),
    installationId: uuid().references(() => installations.id, { onDelete: 'cascade' }),
    alias: text(),
    descriptionOverride: text(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('gateway_assignments_item_idx').on(t.gatewayId, t.registryEntryId, t.kind, t.toolName),
    uniqueIndex('gateway_assignments_alias_idx')
      .on(t.gatewayId, t.kind, t.alias)
      .where(sql`${t.alias} is not null`),
    index('gateway_tool_assignments_tenant_idx').on(t.tenantId),
  ],
);
