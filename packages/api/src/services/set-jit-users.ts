import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { gateways, tenants } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { deliverChanges, tenantSlugOf } from '../invalidation.ts';
import { ZSetJitUsersRequest, type JitUsersSetting } from '../schemas/identity-providers.ts';
import { parseInput } from '../validation.ts';

export interface SetJitUsersOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  /** ZSetJitUsersRequest: { allowJitUsers: boolean } */
  input: unknown;
}

/**
 * Lets an identity provider's callers unknown to the workspace become members on first sign-in
 * (owners and admins). Proxies decide this from the snapshot, so every gateway is invalidated.
 */
export async function setJitUsers({
  db,
  bus,
  tenantId,
  actor,
  input,
}: SetJitUsersOptions): Promise<JitUsersSetting> {
  requireAdmin(actor, 'change who is created on first sign-in');
  const { allowJitUsers } = parseInput(ZSetJitUsersRequest, input);
  // Merged into the settings object, so other settings written meanwhile are kept.
  const recorded = await db.transaction(async (tx) => {
    await tx
      .update(tenants)
      .set({
        settings: sql`${tenants.settings} || jsonb_build_object('allowJitUsers', ${allowJitUsers}::boolean)`,
      })
      .where(eq(tenants.id, tenantId));
    const all = await tx
      .select({ id: gateways.id, slug: gateways.slug })
      .from(gateways)
      .where(eq(gateways.tenantId, tenantId));
    // Tenant-wide: replicas also map IdP users afresh.
    return recordConfigChange(tx, {
      tenantId,
      reason: 'sign-in settings changed',
      tenantWide: true,
      tenantSlug: await tenantSlugOf(tx, tenantId),
      gateways: all,
    });
  });
  await deliverChanges(db, bus, [recorded]);
  return { allowJitUsers };
}
