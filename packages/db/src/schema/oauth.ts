import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { gateways } from './gateways.ts';
import { tenants, users } from './tenancy.ts';

/**
 * How an OAuth client came to be known: Dynamic Client Registration (RFC 7591), a Client ID
 * Metadata Document (client_id is an https URL; the row caches what the document said), or
 * registered by a tenant admin.
 */
export const OAUTH_CLIENT_KINDS = ['dcr', 'cimd', 'preregistered'] as const;
export type OAuthClientKind = (typeof OAUTH_CLIENT_KINDS)[number];
export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export const oauthClients = pgTable(
  'oauth_clients',
  {
    id: id(),
    /** The public identifier clients send: random for DCR/pre-registered, the URL for CIMD. */
    clientId: text().notNull(),
    kind: text({ enum: OAUTH_CLIENT_KINDS }).notNull(),
    /** Pre-registered clients belong to one tenant; DCR and CIMD clients to none. */
    tenantId: uuid().references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    redirectUris: text().array().notNull(),
    grantTypes: text()
      .array()
      .notNull()
      .default(sql`'{authorization_code,refresh_token}'::text[]`),
    tokenEndpointAuthMethod: text({ enum: TOKEN_ENDPOINT_AUTH_METHODS }).notNull().default('none'),
    /** SHA-256 of the client secret (confidential clients only). */
    clientSecretHash: text(),
    clientUri: text(),
    logoUri: text(),
    /** The registration request or metadata document as received (for display and audit). */
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    /** When this client last obtained a token. */
    lastUsedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('oauth_clients_client_id_idx').on(t.clientId),
    index('oauth_clients_tenant_idx').on(t.tenantId),
  ],
);

/**
 * A user's consent for a client within one tenant: the scopes and gateways approved. Consent is
 * remembered here; revoking the grant ends every refresh token issued under it, and access
 * tokens carry its id so proxies refuse them too.
 */
export const oauthGrants = pgTable(
  'oauth_grants',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: uuid()
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    scopes: text().array().notNull(),
    gatewayIds: uuid().array().notNull(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('oauth_grants_user_client_idx').on(t.tenantId, t.userId, t.clientId),
    index('oauth_grants_client_idx').on(t.clientId),
  ],
);

/** Authorization codes: SHA-256 stored, single use, minutes long. */
export const oauthAuthorizationCodes = pgTable(
  'oauth_authorization_codes',
  {
    id: id(),
    codeHash: text().notNull(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    grantId: uuid()
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: uuid()
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    /** The RFC 8707 resource (a gateway URL): the access token's audience. */
    resource: text().notNull(),
    redirectUri: text().notNull(),
    codeChallenge: text().notNull(),
    scopes: text().array().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    /** The refresh-token family the code was exchanged for; a replayed code revokes it. */
    familyId: uuid(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('oauth_codes_hash_idx').on(t.codeHash), index('oauth_codes_tenant_idx').on(t.tenantId)],
);

/**
 * Rotating refresh tokens, SHA-256 stored. Each use marks the token used and issues its successor
 * in the same family; presenting a used token again revokes the whole family.
 */
export const oauthRefreshTokens = pgTable(
  'oauth_refresh_tokens',
  {
    id: id(),
    tokenHash: text().notNull(),
    familyId: uuid().notNull(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    grantId: uuid()
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: uuid()
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    resource: text().notNull(),
    scopes: text().array().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('oauth_refresh_tokens_hash_idx').on(t.tokenHash),
    index('oauth_refresh_tokens_family_idx').on(t.familyId),
    index('oauth_refresh_tokens_grant_idx').on(t.grantId),
  ],
);

/**
 * The authorization server's signing keys (ES256). The private key is sealed with the secret key
 * ring. The newest unretired key signs; retired keys stay in the JWKS until `expiresAt`, so
 * tokens they signed still verify.
 */
export const oauthSigningKeys = pgTable('oauth_signing_keys', {
  kid: text().primaryKey(),
  algorithm: text().notNull().default('ES256'),
  publicJwk: jsonb().$type<Record<string, unknown>>().notNull(),
  sealedPrivateJwk: text().notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp({ withTimezone: true }),
  expiresAt: timestamp({ withTimezone: true }),
});

export const IDP_USER_CLAIMS = ['email', 'sub'] as const;
export type IdpUserClaim = (typeof IDP_USER_CLAIMS)[number];

/**
 * A tenant's enterprise identity provider: its JWTs can be accepted directly by gateways that
 * name it, and (when `trustIdJag`) its Identity Assertion JWT Authorization Grants at the token
 * endpoint.
 */
export const identityProviders = pgTable(
  'identity_providers',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    issuer: text().notNull(),
    jwksUri: text().notNull(),
    audience: text().notNull(),
    /** Which claim names the user: their email, or the IdP's subject (linked on first sight). */
    userClaim: text({ enum: IDP_USER_CLAIMS }).notNull().default('email'),
    /** Claim holding group names; groups matching a team's slug or name act for that team. */
    groupsClaim: text(),
    trustIdJag: boolean().notNull().default(false),
    enabled: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('identity_providers_tenant_issuer_idx').on(t.tenantId, t.issuer)],
);

/** Subject → user links for identity providers that map users by `sub`. */
export const userIdentities = pgTable(
  'user_identities',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    identityProviderId: uuid()
      .notNull()
      .references(() => identityProviders.id, { onDelete: 'cascade' }),
    subject: text().notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.identityProviderId, t.subject] }),
    index('user_identities_user_idx').on(t.userId),
  ],
);

/** `jti`s of accepted assertions (ID-JAG), kept until they expire, so none is accepted twice. */
export const oauthAssertionJtis = pgTable(
  'oauth_assertion_jtis',
  {
    issuer: text().notNull(),
    jti: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.jti] })],
);
