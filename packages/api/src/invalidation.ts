import { deliverConfigChanges } from '@toolgate/auth/config-delivery';
import type { Bus } from '@toolgate/bus';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { recordConfigChange, type Executor } from '@toolgate/db/config-outbox';
import { gateways, gatewayToolAssignments, tenants } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';

/**
 * How a control-plane write reaches the proxies: record the change in the transaction that
 * makes it (`record…Change(tx, …)`), then, after the commit, `deliverChanges`. Delivery never
 * fails the request: a change the bus cannot take now stays in the outbox and the relay (web,
 * worker) delivers it once Redis answers again.
 */

export async function tenantSlugOf(db: Executor, tenantId: string): Promise<string> {
  const [tenant] = await db.select({ slug: tenants.slug }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('NOT_FOUND', 'Tenant not found');
  return tenant.slug;
}

/** Records that these gateways' snapshots are stale. */
export async function recordGatewayChange(
  tx: Executor,
  tenantId: string,
  changed: { id: string; slug: string }[],
  reason: string,
): Promise<PendingConfigChange[]> {
  if (changed.length === 0) return [];
  const tenantSlug = await tenantSlugOf(tx, tenantId);
  return [await recordConfigChange(tx, { tenantId, reason, tenantSlug, gateways: changed })];
}

/**
 * Records that the tenant's gateways exposing anything of this registry entry, or fronting it as
 * pass-through gateways, are stale: its installations or tools changed (discovered, enabled,
 * disabled, removed).
 */
export async function recordEntryChange(
  tx: Executor,
  tenantId: string,
  registryEntryId: string,
  reason: string,
): Promise<PendingConfigChange[]> {
  const using = await tx
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
  const fronting = await tx
    .select({ id: gateways.id, slug: gateways.slug })
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenantId), eq(gateways.passthroughEntryId, registryEntryId)));
  const known = new Set(using.map((g) => g.id));
  return recordGatewayChange(tx, tenantId, [...using, ...fronting.filter((g) => !known.has(g.id))], reason);
}

/** After the commit: delivers what was recorded (never throws; the relay retries the rest). */
export async function deliverChanges(
  db: Database,
  bus: Bus,
  recorded: readonly PendingConfigChange[],
): Promise<void> {
  if (recorded.length > 0) await deliverConfigChanges(db, bus, recorded);
}
