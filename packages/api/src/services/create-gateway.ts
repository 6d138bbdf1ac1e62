import type { Bus } from '@toolgate/bus';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { gateways, gatewayTeams } from '@toolgate/db/schema';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';
import { ZCreateGatewayRequest, type CreateGatewayRequest, type Gateway } from '../schemas/gateways.ts';
import { requireIdentityProvider, requirePassthroughEntry, requireTeams } from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { requireFeature } from './plans/plan-features.ts';
import { requirePlanRoom } from './plans/plan-limits.ts';
import { loadGatewayViews, slugTaken } from '../views/gateway.ts';

export interface CreateGatewayOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  input: CreateGatewayRequest;
  /** The deployment's plans: the tenant's gateway limit and the `idpJwt` feature are enforced. Absent: every tenant unlimited. */
  plans?: PlansConfig;
}

export async function createGateway({
  db,
  bus,
  tenantId,
  actor,
  input,
  plans,
}: CreateGatewayOptions): Promise<Gateway> {
  requireAdmin(actor, 'create gateways');
  const g = parseInput(ZCreateGatewayRequest, input);
  await requireTeams(db, tenantId, g.teamIds);
  await requireIdentityProvider(db, tenantId, g.identityProviderId);
  await requirePassthroughEntry(db, tenantId, g.passthroughEntryId);
  if (g.clientAuthMethods.includes('idp_jwt')) await requireFeature(db, tenantId, plans, 'idpJwt');
  const { row, recorded } = await db.transaction(async (tx) => {
    await requirePlanRoom(tx, tenantId, plans, 'gateways');
    const [created] = await tx
      .insert(gateways)
      .values({
        tenantId,
        slug: g.slug,
        name: g.name,
        description: g.description,
        visibility: g.visibility,
        clientAuthMethods: g.clientAuthMethods,
        toolExposure: g.toolExposure,
        headerAllowlist: g.headerAllowlist,
        identityProviderId: g.identityProviderId,
        passthroughEntryId: g.passthroughEntryId,
      })
      .onConflictDoNothing()
      .returning();
    if (!created) throw slugTaken(g.slug);
    if (g.teamIds.length > 0) {
      await tx
        .insert(gatewayTeams)
        .values(g.teamIds.map((teamId) => ({ tenantId, gatewayId: created.id, teamId })));
    }
    // Proxies may hold a negative ("no such gateway") entry for this slug.
    const change = [{ id: created.id, slug: created.slug }];
    return { row: created, recorded: await recordGatewayChange(tx, tenantId, change, 'gateway created') };
  });
  await deliverChanges(db, bus, recorded);
  const [view] = await loadGatewayViews(db, tenantId, [row]);
  return view!;
}
