import { AppError } from '@toolgate/core/errors';
import { findTokenPrincipalById } from '@toolgate/db/api-tokens';
import type { Database } from '@toolgate/db/client';
import { memberships, tenants } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import {
  requireUsableToken,
  tokenActor,
  type AuthenticatedCaller,
} from '../services/authenticate-api-token.ts';

/** Who called a management tool, as the proxy authenticated them. */
export interface ManagementPrincipal {
  tenantId: string;
  /** The API token the caller presented, if that is how they proved who they are. */
  tokenId?: string;
  /** The user they act as (OAuth, identity-provider JWT, or a user token). */
  userId: string | null;
}

export interface ManagementCaller extends AuthenticatedCaller {
  /**
   * Whether the credential may change things. An API token needs the `admin` capability, as on
   * the REST API; a signed-in user (OAuth, IdP JWT) acts with their role alone.
   */
  mayWrite: boolean;
}

/**
 * The caller as the control plane sees them now: their current role, read afresh for every
 * tool call (a demoted admin loses write access at once, whatever the proxy has cached).
 */
export async function resolveManagementCaller(
  db: Database,
  principal: ManagementPrincipal,
): Promise<ManagementCaller> {
  if (principal.tokenId) {
    const token = await findTokenPrincipalById(db, principal.tenantId, principal.tokenId);
    if (!token) throw new AppError('UNAUTHORIZED', 'The API token has been revoked');
    requireUsableToken(token);
    return {
      tenantId: token.tenantId,
      tenantSlug: token.tenantSlug,
      actor: tokenActor(token),
      mayWrite: token.capabilities.includes('admin'),
    };
  }
  if (!principal.userId) throw new AppError('UNAUTHORIZED', 'The caller is not a member of this workspace');
  const [row] = await db
    .select({ slug: tenants.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(
      and(
        eq(memberships.tenantId, principal.tenantId),
        eq(memberships.userId, principal.userId),
        isNull(tenants.deletedAt),
      ),
    );
  if (!row) throw new AppError('UNAUTHORIZED', 'The caller is no longer a member of this workspace');
  return {
    tenantId: principal.tenantId,
    tenantSlug: row.slug,
    actor: { userId: principal.userId, role: row.role },
    mayWrite: true,
  };
}
