import type { Bus } from '@toolgate/bus';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { apiTokens } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import type { ApiToken } from '../schemas/tokens.ts';
import { deliverChanges } from '../invalidation.ts';
import { visibleTokens } from '../token-access.ts';
import { toApiToken } from '../views/rows.ts';

export interface RevokeApiTokenOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  tokenId: string;
}

/**
 * Revokes a token the caller can see (owners and admins: any of the tenant's). Effective on every
 * proxy replica once the invalidation lands. Revoking twice keeps the first time.
 */
export async function revokeApiToken({
  db,
  bus,
  tenantId,
  actor,
  tokenId,
}: RevokeApiTokenOptions): Promise<ApiToken> {
  const [current] = await db
    .select()
    .from(apiTokens)
    .where(and(visibleTokens(tenantId, actor), eq(apiTokens.id, tokenId)));
  if (!current) throw new AppError('NOT_FOUND', 'Token not found');
  const { revoked, recorded } = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
      .returning();
    const change = { tenantId, reason: 'token revoked', tokenHashes: [current.tokenHash] };
    return { revoked: row, recorded: await recordConfigChange(tx, change) };
  });
  await deliverChanges(db, bus, [recorded]);
  return toApiToken(revoked ?? current);
}
