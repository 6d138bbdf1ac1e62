import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { identityProviders } from '@toolgate/db/schema';
import { requireAdmin, type Actor } from '../actor.ts';
import {
  ZCreateIdentityProviderRequest,
  type CreateIdentityProviderRequest,
  type IdentityProvider,
} from '../schemas/identity-providers.ts';
import { parseInput } from '../validation.ts';
import { requireFeature } from './plans/plan-features.ts';
import { issuerTaken, loadIdentityProviderViews, requireIdpUrls } from '../views/identity-provider.ts';

export interface CreateIdentityProviderOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: http and private addresses are allowed. */
  allowPrivate: boolean;
  input: CreateIdentityProviderRequest;
  /** The deployment's plans: a provider serves IdP JWTs or ID-JAG, so the plan must include one of them. Absent: every tenant has every feature. */
  plans?: PlansConfig;
}

/**
 * Adds an identity provider (owners and admins). No gateway names it yet, so no proxy needs
 * telling; the authorization server reads providers from the database for ID-JAG.
 */
export async function createIdentityProvider({
  db,
  tenantId,
  actor,
  allowPrivate,
  input,
  plans,
}: CreateIdentityProviderOptions): Promise<IdentityProvider> {
  requireAdmin(actor, 'add identity providers');
  const idp = parseInput(ZCreateIdentityProviderRequest, input);
  requireIdpUrls(idp, allowPrivate);
  await requireFeature(db, tenantId, plans, 'idpJwt', 'idJag');
  const [row] = await db
    .insert(identityProviders)
    .values({ tenantId, ...idp })
    .onConflictDoNothing()
    .returning();
  if (!row) throw issuerTaken(idp.issuer);
  const [view] = await loadIdentityProviderViews(db, tenantId, [row]);
  return view!;
}
