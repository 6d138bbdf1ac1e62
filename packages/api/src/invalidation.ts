import { invalidateGateways, type Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { gateways, gatewayToolAssignments, tenants } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';

export async function tenantSlugOf(db: Database, tenantId: string): Promise<string> {
  const [tenant] = await db.select({ slug: tenants.slug }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('NOT_FOUND', 'Tenant not found');
  return tenant.slug;
}

/** Drops the cached snapshots of these gateways everywhere (after the write has committed). */
export async function announceGatewayChange(
  db: Database,
  bus: Bus,
  tenantId: string,
  changed: { id: string; slug: string }[],
  reason: string,
): Promise<void> {
  if (changed.length === 0) return;
  await invalidateGateways(bus, {
    tenantId,
    tenantSlug: await tenantSlugOf(db, tenantId),
    gateways: changed,
    reason,
  });
}

/**
 * Drops the snapshots of the tenant's gateways that expose anything of this registry entry: its
 * installations or tools changed (discovered, enabled, disabled, removed).
 */
export async function announceEntryChange(
  db: Database,
  bus: Bus,
  tenantId: string,
  registryEntryId: string,
  reason: string,
): Promise<void> {
  const using = await db
    .selectDistinct({ id: gateways.id, slug: gateways.slug })
    .from(gateways)
    .innerJoin(gatewayToolAssignments, eq(gatewayToolAssignments.gatewayId, gateways.id))
    .where(
      and(
        eq(gateways.tenantId, tenantId),
        eq(gatewayToolAssignments.tenantId, tenantId),
        eq(gatewayToolAssignments.registryEntryId, registryEntryId),
      ),
    );
  await announceGatewayChange(db, bus, tenantId, using, reason);
}
