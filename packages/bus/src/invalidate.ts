import type { PendingConfigChange } from '@toolgate/core/config-change';
import type { Bus, InvalidationMessage } from './types.ts';

/** Shared-cache key of a gateway snapshot (slugs: that is what requests carry). */
export const snapshotKey = (tenantSlug: string, gatewaySlug: string): string =>
  `gw:${tenantSlug}/${gatewaySlug}`;

/** Shared-cache key of an API token's principal record. */
export const tokenKey = (tokenHash: string): string => `tok:${tokenHash}`;

/**
 * Drops the shared copy, then tells every replica to drop its in-process copy, at once and only
 * if Redis answers now. Services record changes in the outbox instead (`recordConfigChange` in
 * @toolgate/db, delivered by `applyConfigChange`); tests use this to act as the control plane.
 */
export async function invalidateGateways(
  bus: Bus,
  change: { tenantId: string; tenantSlug: string; gateways: { id: string; slug: string }[]; reason: string },
): Promise<void> {
  await Promise.all(
    change.gateways.map((g) => bus.sharedCache.delete(snapshotKey(change.tenantSlug, g.slug))),
  );
  if (change.gateways.length === 1) {
    await bus.invalidations.publish({
      kind: 'gateway',
      tenantId: change.tenantId,
      gatewayId: change.gateways[0]!.id,
      reason: change.reason,
    });
  } else {
    await bus.invalidations.publish({ kind: 'tenant', tenantId: change.tenantId, reason: change.reason });
  }
}

/** Token revoked or changed: effective on every replica as soon as the message lands. */
export async function invalidateToken(
  bus: Bus,
  change: { tenantId: string; tokenHash: string },
): Promise<void> {
  await bus.sharedCache.delete(tokenKey(change.tokenHash));
  await bus.invalidations.publish({
    kind: 'token',
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
  await bus.sharedCache.delete(userPrincipalKey(change.tenantId, change.userId));
  await bus.invalidations.publish({
    kind: 'user',
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
    kind: 'revoked',
    tenantId: change.tenantId,
    revokedId: change.revokedId,
    reason: 'credential revoked',
  });
}

/**
 * Delivers one recorded change (the outbox relay's `apply`): drops the shared copies it makes
 * stale, adds its revocation, tells every replica, then raises the tenant's delivered version.
 * Every step is idempotent, so a change delivered twice does no harm; a step that fails throws
 * and the relay tries the whole change again later.
 */
export async function applyConfigChange(bus: Bus, { version, change }: PendingConfigChange): Promise<void> {
  const { tenantId, reason } = change;
  const keys: string[] = [];
  if (change.tenantSlug)
    for (const g of change.gateways ?? []) keys.push(snapshotKey(change.tenantSlug, g.slug));
  for (const hash of change.tokenHashes ?? []) keys.push(tokenKey(hash));
  if (change.userId) keys.push(userPrincipalKey(tenantId, change.userId));
  await Promise.all(keys.map((key) => bus.sharedCache.delete(key)));
  if (change.revoked) {
    await bus.revocations.add(change.revoked.id, Math.max(1, change.revoked.expiresAt - Date.now() / 1000));
  }
  const messages: InvalidationMessage[] = [];
  const gateways = change.gateways ?? [];
  const about = { tenantId, reason, version };
  if (change.tenantWide || gateways.length > 1) messages.push({ kind: 'tenant', ...about });
  else if (gateways.length === 1) messages.push({ kind: 'gateway', gatewayId: gateways[0]!.id, ...about });
  for (const tokenHash of change.tokenHashes ?? []) messages.push({ kind: 'token', tokenHash, ...about });
  if (change.userId) messages.push({ kind: 'user', userId: change.userId, ...about });
  if (change.revoked) messages.push({ kind: 'revoked', revokedId: change.revoked.id, ...about });
  for (const message of messages) await bus.invalidations.publish(message);
  // After the messages: a replica that sees the version raised without a message missed one.
  await bus.configVersions.raise(tenantId, version);
}

/**
 * A message as it arrives on the bus, checked: the kinds this code knows, and the messages of
 * replicas that predate kinds (they sent the same fields without one), whose kind follows from
 * the field they carry. Anything else is undefined and ignored.
 */
export function readInvalidation(raw: unknown): InvalidationMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (typeof m.tenantId !== 'string') return undefined;
  const about = {
    tenantId: m.tenantId,
    reason: typeof m.reason === 'string' ? m.reason : '',
    ...(typeof m.version === 'number' ? { version: m.version } : {}),
  };
  const str = (key: string) => (typeof m[key] === 'string' ? m[key] : undefined);
  const kind = typeof m.kind === 'string' ? m.kind : undefined;
  const gatewayId = str('gatewayId');
  const tokenHash = str('tokenHash');
  const userId = str('userId');
  const revokedId = str('revokedId');
  if ((kind === 'gateway' || kind === undefined) && gatewayId)
    return { kind: 'gateway', gatewayId, ...about };
  if ((kind === 'token' || kind === undefined) && tokenHash) return { kind: 'token', tokenHash, ...about };
  if ((kind === 'user' || kind === undefined) && userId) return { kind: 'user', userId, ...about };
  if ((kind === 'revoked' || kind === undefined) && revokedId)
    return { kind: 'revoked', revokedId, ...about };
  if (kind === 'tenant' || kind === undefined) return { kind: 'tenant', ...about };
  return undefined;
}
