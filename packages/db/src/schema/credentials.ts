import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { teams, tenants, users } from './tenancy.ts';

export const TOKEN_SCOPES = ['user', 'team', 'org'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** What a token may be used for: calling gateways, and/or the admin REST API. */
export const TOKEN_CAPABILITIES = ['mcp', 'admin'] as const;
export type TokenCapability = (typeof TOKEN_CAPABILITIES)[number];

/** API tokens are stored as SHA-256 only; `displayPrefix` identifies them in lists. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    tokenHash: text().notNull(),
    displayPrefix: text().notNull(),
    scope: text({ enum: TOKEN_SCOPES }).notNull(),
    userId: uuid().references(() => users.id, { onDelete: 'cascade' }),
    teamId: uuid().references(() => teams.id, { onDelete: 'cascade' }),
    capabilities: text({ enum: TOKEN_CAPABILITIES })
      .array()
      .notNull()
      .default(sql`'{mcp}'::text[]`),
    /** Gateways the token may call; null: every gateway its scope allows. */
    gatewayIds: uuid().array(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    lastUsedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_idx').on(t.tokenHash),
    index('api_tokens_tenant_idx').on(t.tenantId),
    check(
      'api_tokens_scope_chk',
      sql`(${t.scope} = 'user' and ${t.userId} is not null)
        or (${t.scope} = 'team' and ${t.teamId} is not null)
        or (${t.scope} = 'org')`,
    ),
  ],
);

/** Named tenant secrets, sealed with the key ring; the plaintext never leaves the server. */
export const secrets = pgTable(
  'secrets',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    sealedValue: text().notNull(),
    keyId: text().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('secrets_tenant_name_idx').on(t.tenantId, t.name)],
);
