import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { installations, upstreamConnections, upstreamOAuthClients } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import {
  actorPrincipal,
  CONNECTION_METHODS,
  recordConnectionEvent,
  userPrincipal,
} from './connection-audit.ts';
import { revokeConnectionTokens, type HeldTokens, type Revocation } from './revoke-connection-tokens.ts';

/** A personal connected account forgotten with its member: what revoking it afterwards needs. */
export interface ForgottenConnection extends HeldTokens {
  connection: HeldTokens['connection'] & { installationId: string; account: string | null };
}

/**
 * The member's personal connected accounts in the workspace, read in the removal's transaction
 * before their installations (and, by cascade, the connections) are deleted: once committed,
 * nothing else holds the tokens to revoke.
 */
export async function personalConnectionsOf(
  tx: Executor,
  tenantId: string,
  userId: string,
): Promise<ForgottenConnection[]> {
  const rows = await tx
    .select({
      connection: {
        id: upstreamConnections.id,
        installationId: upstreamConnections.installationId,
        refreshTokenSealed: upstreamConnections.refreshTokenSealed,
        account: upstreamConnections.account,
      },
      installation: { id: installations.id, credentialsSealed: installations.credentialsSealed },
      client: upstreamOAuthClients,
    })
    .from(upstreamConnections)
    .innerJoin(installations, eq(installations.id, upstreamConnections.installationId))
    .innerJoin(upstreamOAuthClients, eq(upstreamOAuthClients.id, upstreamConnections.clientId))
    .where(
      and(
        eq(upstreamConnections.tenantId, tenantId),
        eq(installations.tenantId, tenantId),
        eq(installations.scope, 'personal'),
        eq(installations.userId, userId),
      ),
    );
  return rows;
}

/**
 * After a member's removal (or leaving) committed: the tokens of the personal accounts forgotten
 * with them are revoked at each server that offers revocation (RFC 7009), and each is recorded as
 * `connection/delete` (trigger `member_removed`, whether the server confirmed, by whoever removed
 * them). The removal does not wait for this, so a slow or unreachable server neither delays nor
 * fails it; this never rejects. Without the key ring the tokens cannot be opened: the rows say
 * the revocation was `skipped`.
 */
export async function revokeMemberConnections(options: {
  db: Database;
  keys: KeyRing | undefined;
  allowPrivate: boolean;
  tenantId: string;
  actor: Actor;
  userId: string;
  forgotten: readonly ForgottenConnection[];
}): Promise<void> {
  const { db, keys, tenantId } = options;
  await Promise.all(
    options.forgotten.map(async (held) => {
      const startedAt = performance.now();
      // `skipped`: no key ring here; `failed`: a token could not be opened to send.
      let outcome: { revocation: Revocation | 'skipped' | 'failed'; revokedAtServer: boolean } = {
        revocation: 'skipped',
        revokedAtServer: false,
      };
      if (keys)
        outcome = await revokeConnectionTokens(keys, held, options.allowPrivate).catch(() => ({
          revocation: 'failed' as const,
          revokedAtServer: false,
        }));
      await recordConnectionEvent(db, {
        tenantId,
        method: CONNECTION_METHODS.delete,
        status: 'ok',
        ...actorPrincipal(options.actor),
        installationId: held.connection.installationId,
        request: {
          connectionId: held.connection.id,
          trigger: 'member_removed',
          member: userPrincipal(options.userId),
        },
        response: {
          ...outcome,
          installationRemoved: true,
          ...(held.connection.account ? { account: held.connection.account } : {}),
        },
        startedAt,
      }).catch(() => undefined);
    }),
  );
}
