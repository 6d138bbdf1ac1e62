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

/** Shared-cache key of a user's principal record in one tenant (membership, role, teams). */
export const userPrincipalKey = (tenantId: string, userId: string): string => `usr:${tenantId}:${userId}`;

/**
 * A user's membership, role or teams changed (removed, re-roled, joined or left a team): every
 * replica drops its cached principal for them, so OAuth and IdP callers see the change at once.
 */
export async function invalidateUser(bus: Bus, change: { tenantId: string; userId: string }): Promise<void> {
  await bus.snapshots.delete(userPrincipalKey(change.tenantId, change.userId));
  await bus.invalidations.publish({
    tenantId: change.tenantId,
    userId: change.userId,
    reason: 'user changed',
  });
}

/**
 * Revokes a credential proxies verify locally (an OAuth grant or access token: pass
 * `grantRevocationId(...)` / `accessTokenRevocationId(...)` from @toolgate/auth/constants). The id
 * goes into the revocation set for `ttlSeconds` (as long as a token it covers can live), then every
 * replica is told to drop tokens it had already verified.
 */
export async function publishRevocation(
  bus: Bus,
  change: { tenantId: string; revokedId: string; ttlSeconds: number },
): Promise<void> {
  await bus.revocations.add(change.revokedId, change.ttlSeconds);
  await bus.invalidations.publish({
    tenantId: change.tenantId,
    revokedId: change.revokedId,
    reason: 'credential revoked',
  });
}
