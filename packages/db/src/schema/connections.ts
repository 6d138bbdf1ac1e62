import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { installations, INSTALL_SCOPES, registryEntries } from './registry.ts';
import { teams, tenants, users } from './tenancy.ts';

/** How Toolgate got its client id at an upstream's authorization server. */
export const UPSTREAM_CLIENT_REGISTRATIONS = ['cimd', 'dcr', 'manual'] as const;
export type UpstreamClientRegistration = (typeof UPSTREAM_CLIENT_REGISTRATIONS)[number];

/**
 * Toolgate as an OAuth client of an upstream's authorization server, for one registry entry of a
 * tenant: its Client ID Metadata Document URL, a client registered dynamically (RFC 7591), or one
 * an admin registered by hand. Credentials are bound to their issuer: another issuer means another
 * registration.
 */
export const upstreamOAuthClients = pgTable(
  'upstream_oauth_clients',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    registryEntryId: uuid()
      .notNull()
      .references(() => registryEntries.id, { onDelete: 'cascade' }),
    issuer: text().notNull(),
    registration: text({ enum: UPSTREAM_CLIENT_REGISTRATIONS }).notNull(),
    clientId: text().notNull(),
    /** Sealed with the secret key ring (AAD `upstream-client:<id>`); none for public clients. */
    clientSecretSealed: text(),
    tokenEndpointAuthMethod: text().notNull().default('none'),
    /** The authorization server's metadata (RFC 8414) as discovered: its endpoints. */
    serverMetadata: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('upstream_oauth_clients_entry_issuer_idx').on(t.tenantId, t.registryEntryId, t.issuer)],
);

/** `needs_reconnect`: the upstream refused a refresh; calls fail with a link to reconnect. */
export const CONNECTION_STATUSES = ['active', 'needs_reconnect'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/**
 * An account at an upstream, connected through OAuth, backing one installation (a user's personal
 * one, or a team's or the org's shared service account). The access token is the installation's
 * sealed credential (what the proxy sends); the refresh token stays here, sealed, and never
 * leaves the control plane.
 */
export const upstreamConnections = pgTable(
  'upstream_connections',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    installationId: uuid()
      .notNull()
      .references(() => installations.id, { onDelete: 'cascade' }),
    clientId: uuid()
      .notNull()
      .references(() => upstreamOAuthClients.id, { onDelete: 'cascade' }),
    status: text({ enum: CONNECTION_STATUSES }).notNull().default('active'),
    /** Who the upstream says the account is (`sub`, a name or an email), when it tells. */
    account: text(),
    scopes: jsonb().$type<string[]>().notNull().default([]),
    /**
     * The resource indicator (RFC 8707) the account was connected for: sent again with each
     * refresh, and what the tokens' audience must cover. None for accounts connected before it was kept.
     */
    resource: text(),
    /** Sealed with the secret key ring (AAD `upstream-connection:<id>`). */
    refreshTokenSealed: text(),
    accessTokenExpiresAt: timestamp({ withTimezone: true }),
    connectedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    connectedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastRefreshedAt: timestamp({ withTimezone: true }),
    lastUsedAt: timestamp({ withTimezone: true }),
    lastError: text(),
    /**
     * A refresh in progress elsewhere until then: one refresher at a time across web, workers and
     * proxies, so a rotating refresh token is never used twice.
     */
    refreshClaimedUntil: timestamp({ withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('upstream_connections_installation_idx').on(t.installationId),
    index('upstream_connections_expiry_idx').on(t.accessTokenExpiresAt),
  ],
);

/**
 * An authorization in progress: the `state` (stored hashed), the PKCE verifier (sealed), bound to
 * the user who started it and to where the connection will go. Single use, short-lived.
 */
export const upstreamOAuthStates = pgTable(
  'upstream_oauth_states',
  {
    stateHash: text().primaryKey(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: uuid()
      .notNull()
      .references(() => upstreamOAuthClients.id, { onDelete: 'cascade' }),
    registryEntryId: uuid()
      .notNull()
      .references(() => registryEntries.id, { onDelete: 'cascade' }),
    scope: text({ enum: INSTALL_SCOPES }).notNull(),
    teamId: uuid().references(() => teams.id, { onDelete: 'cascade' }),
    /** Reconnecting an existing installation rather than creating one. */
    installationId: uuid().references(() => installations.id, { onDelete: 'cascade' }),
    codeVerifierSealed: text().notNull(),
    redirectUri: text().notNull(),
    resource: text().notNull(),
    scopes: jsonb().$type<string[]>().notNull().default([]),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('upstream_oauth_states_expiry_idx').on(t.expiresAt)],
);
