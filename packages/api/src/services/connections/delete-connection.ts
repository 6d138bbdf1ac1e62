import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, upstreamConnections, upstreamOAuthClients } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import { findVisibleInstallation, requireInstallationManager } from '../../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../../invalidation.ts';
import {
  actorPrincipal,
  CONNECTION_METHODS,
  failureOf,
  recordConnectionEvent,
  recordConnectionFailure,
} from './connection-audit.ts';
import { revokeConnectionTokens } from './revoke-connection-tokens.ts';

/**
 * Disconnects an account: its tokens are revoked at the server when it offers revocation (RFC
 * 7009), then forgotten. A personal installation goes with its account; a team's or the
 * organization's keeps its place (and its gateways' pins) without a credential until someone
 * connects again. Owners and admins may disconnect any account; others their own, and their
 * teams' when they maintain them. Recorded in the audit log (`connection/delete`) with the
 * forgetting, saying whether the server confirmed the revocation; a refusal is recorded too.
 */
export async function deleteConnection(options: {
  db: Database;
  bus: Bus;
  keys: KeyRing;
  tenantId: string;
  actor: Actor;
  connectionId: string;
  allowPrivate: boolean;
}): Promise<{ id: string; revokedAtServer: boolean }> {
  const { db, keys, tenantId, actor, connectionId } = options;
  const startedAt = performance.now();
  const [connection] = await db
    .select()
    .from(upstreamConnections)
    .where(and(eq(upstreamConnections.tenantId, tenantId), eq(upstreamConnections.id, connectionId)));
  if (!connection) throw new AppError('NOT_FOUND', 'Connection not found');
  const installation = await findVisibleInstallation(db, tenantId, actor, connection.installationId).catch(
    () => {
      throw new AppError('NOT_FOUND', 'Connection not found');
    },
  );
  const event = {
    tenantId,
    method: CONNECTION_METHODS.delete,
    ...actorPrincipal(actor),
    installationId: installation.id,
    request: { connectionId: connection.id },
    startedAt,
  };
  try {
    await requireInstallationManager(db, tenantId, actor, installation, 'disconnect this account');
  } catch (err) {
    await recordConnectionFailure(db, { ...event, ...failureOf(err, 'internal') });
    throw err;
  }

  const [client] = await db
    .select()
    .from(upstreamOAuthClients)
    .where(
      and(eq(upstreamOAuthClients.tenantId, tenantId), eq(upstreamOAuthClients.id, connection.clientId)),
    );
  const { revocation, revokedAtServer } = await revokeConnectionTokens(
    keys,
    { connection, installation, client },
    options.allowPrivate,
  );

  const changes = await db.transaction(async (tx) => {
    await tx.delete(upstreamConnections).where(eq(upstreamConnections.id, connection.id));
    const mine = and(eq(installations.tenantId, tenantId), eq(installations.id, installation.id));
    if (installation.scope === 'personal') await tx.delete(installations).where(mine);
    else
      await tx
        .update(installations)
        .set({ credentialsSealed: null, status: 'auth_failed', lastError: 'The account was disconnected' })
        .where(mine);
    await recordConnectionEvent(tx, {
      ...event,
      status: 'ok',
      response: {
        revokedAtServer,
        revocation,
        installationRemoved: installation.scope === 'personal',
        ...(connection.account ? { account: connection.account } : {}),
      },
    });
    return recordEntryChange(tx, tenantId, installation.registryEntryId, 'account disconnected');
  });
  await deliverChanges(db, options.bus, changes);
  return { id: connection.id, revokedAtServer };
}
