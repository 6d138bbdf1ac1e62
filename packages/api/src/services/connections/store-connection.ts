import { randomUUID } from 'node:crypto';
import type { UpstreamTokens } from '@toolgate/auth/upstream-client';
import type { Bus } from '@toolgate/bus';
import { seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import {
  installations,
  registryEntries,
  upstreamConnections,
  type upstreamOAuthStates,
} from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { deliverChanges, recordEntryChange, tenantSlugOf } from '../../invalidation.ts';
import { credentialsAad } from '../../upstream/discovery-target.ts';
import { requirePlanRoom } from '../plans/plan-limits.ts';
import { withReason } from './connection-audit.ts';
import { refreshTokenAad } from './connection-urls.ts';

export interface CompletedConnection {
  tenantSlug: string;
  installationId: string;
  connectionId: string;
  /** A new installation (not a reconnected one). */
  created: boolean;
}

/** Writes the completion's audit row, in the transaction that saves it. */
export type RecordCompleted = (
  tx: Executor,
  done: { tenantId: string; installationId: string; connectionId: string; created: boolean },
  account: string | undefined,
) => Promise<void>;

type StateRow = typeof upstreamOAuthStates.$inferSelect;

/**
 * Saves a completed sign-in in one transaction: the access token sealed as the credential of the
 * installation it backs (the one reconnected, else the owner's own of that server, else a new
 * one), the refresh token sealed on its connection, and the audit row (`recordCompleted`). Every
 * proxy is told once committed.
 */
export async function storeConnection(
  options: { db: Database; bus: Bus; keys: KeyRing; plans?: PlansConfig },
  state: StateRow,
  clientRowId: string,
  tokens: UpstreamTokens,
  now: Date,
  recordCompleted: RecordCompleted,
): Promise<CompletedConnection> {
  const { db, keys } = options;
  const tenantId = state.tenantId;
  const outcome = await db.transaction(async (tx) => {
    const [entry] = await tx
      .select({ id: registryEntries.id, name: registryEntries.name })
      .from(registryEntries)
      .where(eq(registryEntries.id, state.registryEntryId));
    if (!entry)
      throw withReason(
        new AppError('INVALID', 'The server was removed from the registry meanwhile'),
        'entry_removed',
        'error',
      );
    // The installation the account backs: the one being reconnected, else this owner's own.
    const owner =
      state.scope === 'personal'
        ? eq(installations.userId, state.userId)
        : state.scope === 'team'
          ? eq(installations.teamId, state.teamId!)
          : and(isNull(installations.userId), isNull(installations.teamId));
    const [existing] = await tx
      .select({ id: installations.id })
      .from(installations)
      .where(
        and(
          eq(installations.tenantId, tenantId),
          eq(installations.registryEntryId, entry.id),
          state.installationId
            ? eq(installations.id, state.installationId)
            : and(eq(installations.scope, state.scope), owner),
        ),
      )
      .limit(1);
    const installationId = existing?.id ?? randomUUID();
    const credentialsSealed = seal(
      keys,
      JSON.stringify({ accessToken: tokens.accessToken }),
      credentialsAad(installationId),
    );
    if (existing) {
      await tx
        .update(installations)
        .set({ credentialsSealed, status: 'pending', lastError: null })
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
    } else {
      // A new installation counts against the plan; a reconnected one does not.
      await requirePlanRoom(tx, tenantId, options.plans, 'installations');
      await tx.insert(installations).values({
        id: installationId,
        tenantId,
        registryEntryId: entry.id,
        name: entry.name,
        scope: state.scope,
        teamId: state.scope === 'team' ? state.teamId : null,
        userId: state.scope === 'personal' ? state.userId : null,
        config: {},
        credentialsSealed,
        status: 'pending',
        createdBy: state.userId,
      });
    }
    const [current] = await tx
      .select({ id: upstreamConnections.id })
      .from(upstreamConnections)
      .where(eq(upstreamConnections.installationId, installationId));
    const connectionId = current?.id ?? randomUUID();
    const values = {
      clientId: clientRowId,
      status: 'active' as const,
      account: tokens.account ?? null,
      scopes: tokens.scopes,
      resource: state.resource,
      refreshTokenSealed: tokens.refreshToken
        ? seal(keys, tokens.refreshToken, refreshTokenAad(connectionId))
        : null,
      accessTokenExpiresAt: tokens.expiresAt ?? null,
      connectedBy: state.userId,
      connectedAt: now,
      lastRefreshedAt: null,
      lastError: null,
    };
    if (current)
      await tx.update(upstreamConnections).set(values).where(eq(upstreamConnections.id, connectionId));
    else
      await tx.insert(upstreamConnections).values({ id: connectionId, tenantId, installationId, ...values });
    const changes = await recordEntryChange(tx, tenantId, entry.id, 'account connected');
    const done = { tenantId, installationId, connectionId, created: !existing };
    await recordCompleted(tx, done, tokens.account);
    return { ...done, changes };
  });
  await deliverChanges(db, options.bus, outcome.changes);
  return {
    tenantSlug: await tenantSlugOf(db, tenantId),
    installationId: outcome.installationId,
    connectionId: outcome.connectionId,
    created: outcome.created,
  };
}
