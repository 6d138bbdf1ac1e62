import type { ConfigChange } from '@toolgate/core/config-change';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';

/**
 * The outbox: configuration changes recorded with the write that made them, waiting to reach
 * the shared cache and every proxy. A row goes once it has been delivered. No foreign key: the
 * change that deletes a tenant must outlive the tenant.
 */
export const configChanges = pgTable('config_changes', {
  seq: bigserial({ mode: 'number' }).primaryKey(),
  /** A tenant id, or '*' for changes that concern every tenant (signing keys). */
  tenantId: text().notNull(),
  version: bigint({ mode: 'number' }).notNull(),
  change: jsonb().$type<ConfigChange>().notNull(),
  attempts: integer().notNull().default(0),
  lastError: text(),
  createdAt: createdAt(),
});

/**
 * Ids refused until they expire (OAuth grants and access tokens, MCP sessions, signing keys):
 * the durable record; Redis holds a cache of it that proxies ask.
 */
export const revokedIds = pgTable(
  'revoked_ids',
  {
    id: text().primaryKey(),
    tenantId: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('revoked_ids_expires_idx').on(t.expiresAt)],
);
