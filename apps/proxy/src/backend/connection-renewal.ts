import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import { installations, upstreamConnections } from '@toolgate/db/schema';
import { UpstreamError } from '@toolgate/mcp/upstream';
import { and, eq } from 'drizzle-orm';

export type Renewal = { kind: 'renewed'; credentialsSealed: string } | { kind: 'reconnect' };

/** How long a call waits for another process's refresh of the same account. */
const WAIT_MS = 500;
const WAITS = 6;

/** The upstream refused the credential (HTTP 401), on connect or on the call. */
export const isUnauthorized = (err: unknown): boolean =>
  err instanceof UpstreamError && err.httpStatus === 401;

/**
 * A connected account whose access token an upstream refused (expired early, revoked): refreshed
 * once, on the spot, so the call can be sent again. One refresh per account at a time in this
 * process, and across processes (the connection row is claimed: a replica that finds it claimed
 * waits for the other's new token rather than spending a rotating refresh token twice). Touches
 * Postgres only on this failure path.
 */
export class ConnectionRenewal {
  private readonly inFlight = new Map<string, Promise<Renewal | undefined>>();

  constructor(
    private readonly deps: { db: Database; bus: Bus; keys: KeyRing; allowPrivate: boolean; log?: Logger },
  ) {}

  /** `sawAt`: when the refused call started (a refresh since then is the one it needs). */
  renew(tenantId: string, installationId: string, sawAt: Date): Promise<Renewal | undefined> {
    let pending = this.inFlight.get(installationId);
    if (!pending) {
      pending = this.run(tenantId, installationId, sawAt)
        .catch((err: unknown) => {
          this.deps.log?.warn(
            { err: (err as Error).message, installationId },
            'could not refresh a connected account',
          );
          return undefined;
        })
        .finally(() => this.inFlight.delete(installationId));
      this.inFlight.set(installationId, pending);
    }
    return pending;
  }

  private async run(tenantId: string, installationId: string, sawAt: Date): Promise<Renewal | undefined> {
    const { db } = this.deps;
    const [connection] = await db
      .select({ id: upstreamConnections.id, status: upstreamConnections.status })
      .from(upstreamConnections)
      .where(
        and(
          eq(upstreamConnections.tenantId, tenantId),
          eq(upstreamConnections.installationId, installationId),
        ),
      );
    // A credential someone pasted, not a connected account: nothing to refresh.
    if (!connection) return undefined;
    if (connection.status === 'needs_reconnect') return { kind: 'reconnect' };
    const { refreshConnection } = await import('@toolgate/api/services/connections');
    for (let wait = 0; wait <= WAITS; wait++) {
      const outcome = await refreshConnection({
        ...this.deps,
        tenantId,
        connectionId: connection.id,
        refreshedSince: sawAt,
      });
      if (outcome.kind === 'needs_reconnect') return { kind: 'reconnect' };
      if (outcome.kind === 'failed') return undefined;
      if (outcome.kind === 'busy') {
        await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
        continue;
      }
      const [row] = await db
        .select({ credentialsSealed: installations.credentialsSealed })
        .from(installations)
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
      if (!row?.credentialsSealed) return undefined;
      this.deps.log?.info(
        { installationId, connectionId: connection.id, outcome: outcome.kind },
        'connected account renewed after the upstream refused its token',
      );
      return { kind: 'renewed', credentialsSealed: row.credentialsSealed };
    }
    return undefined;
  }
}
