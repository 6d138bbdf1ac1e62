import { revokeGrant } from '@toolgate/auth/grants';
import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { oauthGrants } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import type { OAuthGrant } from '../schemas/oauth.ts';
import { loadGrantViews, visibleGrants } from '../views/oauth.ts';

export interface RevokeOAuthGrantOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  grantId: string;
}

/**
 * Signs an app out: the grant, its refresh tokens and (through the revocation set) its access
 * tokens end at once on every proxy. Members revoke their own grants; owners and admins any.
 */
export async function revokeOAuthGrant({
  db,
  bus,
  tenantId,
  actor,
  grantId,
}: RevokeOAuthGrantOptions): Promise<OAuthGrant> {
  const [visible] = await db
    .select({ id: oauthGrants.id })
    .from(oauthGrants)
    .where(and(visibleGrants(tenantId, actor), eq(oauthGrants.id, grantId)));
  if (!visible) throw new AppError('NOT_FOUND', 'Grant not found');
  await revokeGrant({ db, bus }, { tenantId, grantId });
  const [view] = await loadGrantViews(
    db,
    tenantId,
    and(eq(oauthGrants.tenantId, tenantId), eq(oauthGrants.id, grantId)),
  );
  return view!;
}
