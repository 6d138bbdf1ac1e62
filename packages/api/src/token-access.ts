import { apiTokens } from '@toolgate/db/schema';
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from './actor.ts';

/**
 * Tokens a caller may see and revoke: all of the tenant's for owners and admins; for members the
 * ones they own or created (a token acting for no user sees itself only).
 */
export function visibleTokens(tenantId: string, actor: Actor): SQL | undefined {
  const tenant = eq(apiTokens.tenantId, tenantId);
  if (isAdmin(actor)) return tenant;
  if (actor.userId)
    return and(tenant, or(eq(apiTokens.userId, actor.userId), eq(apiTokens.createdBy, actor.userId)));
  return actor.tokenId ? and(tenant, eq(apiTokens.id, actor.tokenId)) : sql`false`;
}
