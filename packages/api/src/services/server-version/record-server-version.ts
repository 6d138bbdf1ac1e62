import type { Executor } from '@toolgate/db/config-outbox';
import { installations } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import type { ServerIdentity } from '../../upstream/server-identity.ts';
import { actorPrincipal, insertAuditRow } from '../audit-row.ts';

export const SERVER_VERSION_CHANGE_METHOD = 'installation/version-change';

/** A change of the version an installation's server reports: what admins are told about. */
export interface ServerVersionChange {
  tenantId: string;
  installationId: string;
  installationName: string;
  from: string;
  to: string;
  at: Date;
}

export interface RecordServerVersionOptions {
  tenantId: string;
  installationId: string;
  /** What the server said it is in this discovery or health check. */
  server: ServerIdentity;
  now: Date;
  /** Who ran the discovery or check that saw it; null for the worker's scheduled checks. */
  actor: Actor | null;
  during: 'discovery' | 'health-check';
  /**
   * Runs in the transaction when the version changed, before it is recorded: re-checks the tool
   * definitions if the caller has not. False when they cannot be re-checked now: nothing is
   * recorded, so the next discovery or check sees the change again.
   */
  recheckTools?: () => Promise<boolean>;
}

/**
 * Records what an installation's server says it is, in the caller's transaction, under the
 * installation's row lock (discoveries and checks of one installation take turns, so a change
 * is recorded, audited and announced once). The first version seen is simply recorded; the same
 * version again writes nothing; another version is drift: recorded with the one it replaced and
 * audited (`installation/version-change`, `{ from, to }`), and returned for the caller to
 * announce after the commit.
 */
export async function recordServerVersion(
  tx: Executor,
  options: RecordServerVersionOptions,
): Promise<ServerVersionChange | null> {
  const { tenantId, installationId, server, now } = options;
  const where = and(eq(installations.tenantId, tenantId), eq(installations.id, installationId));
  const [row] = await tx
    .select({
      name: installations.name,
      serverName: installations.serverName,
      serverVersion: installations.serverVersion,
    })
    .from(installations)
    .where(where)
    .for('update');
  if (!row) return null;
  if (row.serverVersion === server.version) {
    if (row.serverName !== server.name)
      await tx.update(installations).set({ serverName: server.name }).where(where);
    return null;
  }
  if (row.serverVersion === null) {
    await tx
      .update(installations)
      .set({ serverName: server.name, serverVersion: server.version, serverVersionSeenAt: now })
      .where(where);
    return null;
  }
  if (options.recheckTools && !(await options.recheckTools())) return null;
  await tx
    .update(installations)
    .set({
      serverName: server.name,
      serverVersion: server.version,
      serverVersionSeenAt: now,
      previousServerVersion: row.serverVersion,
      serverVersionChangedAt: now,
    })
    .where(where);
  const principal = options.actor ? actorPrincipal(options.actor) : { principalId: null, authMethod: null };
  await insertAuditRow(tx, principal, {
    tenantId,
    occurredAt: now,
    method: SERVER_VERSION_CHANGE_METHOD,
    installationId,
    status: 'ok',
    response: {
      from: { name: row.serverName, version: row.serverVersion },
      to: { name: server.name, version: server.version },
      during: options.during,
    },
  });
  return {
    tenantId,
    installationId,
    installationName: row.name,
    from: row.serverVersion,
    to: server.version,
    at: now,
  };
}
