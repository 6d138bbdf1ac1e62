import type { Bus } from './types.ts';

/** Shared-cache key of a gateway snapshot (slugs: that is what requests carry). */
export const snapshotKey = (tenantSlug: string, gatewaySlug: string): string =>
  `gw:${tenantSlug}/${gatewaySlug}`;

/** Shared-cache key of an API token's principal record. */
export const tokenKey = (tokenHash: string): string => `tok:${tokenHash}`;

/**
 * Every control-plane write that changes what a proxy serves calls this: drop the shared copy,
 * then tell every replica to drop its in-process copy.
 */
export async function invalidateGateways(
  bus: Bus,
  change: { tenantId: string; tenantSlug: string; gateways: { id: string; slug: string }[]; reason: string },
): Promise<void> {
  await Promise.all(change.gateways.map((g) => bus.snapshots.delete(snapshotKey(change.tenantSlug, g.slug))));
  if (change.gateways.length === 1) {
    await bus.invalidations.publish({
      tenantId: change.tenantId,
      gatewayId: change.gateways[0]!.id,
      reason: change.reason,
    });
  } else {
    await bus.invalidations.publish({ tenantId: change.tenantId, reason: change.reason });
  }
}

/** Token revoked or changed: effective on every replica as soon as the message lands. */
export async function invalidateToken(
  bus: Bus,
  change: { tenantId: string; tokenHash: string },
): Promise<void> {
  await bus.snapshots.delete(tokenKey(change.tokenHash));
  await bus.invalidations.publish({
    tenantId: change.tenantId,
    tokenHash: change.tokenHash,
    reason: 'token changed',
  });
}
