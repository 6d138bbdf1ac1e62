import type { Database } from '@toolgate/db/client';
import { apiTokens } from '@toolgate/db/schema';
import { desc } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import type { ApiToken } from '../schemas/tokens.ts';
import { visibleTokens } from '../token-access.ts';
import { toApiToken } from '../views/rows.ts';

export interface ListApiTokensOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/** The tenant's tokens for owners and admins; members see the tokens they own or created. */
export async function listApiTokens({ db, tenantId, actor }: ListApiTokensOptions): Promise<ApiToken[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(visibleTokens(tenantId, actor))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(toApiToken);
}
