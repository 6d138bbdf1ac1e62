import type { Bus } from '@toolgate/bus';
import type { RunnerAccess } from '@toolgate/mcp/runner-routing';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import {
  requireInstallationManager,
  findUsableEntry,
  findVisibleInstallation,
} from '../installation-access.ts';
import { installationPrompts, recordPrompts } from '../installation-prompts.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import type { DiscoveredInstallation } from '../schemas/installations.ts';
import { requireStdioAllowed } from '../stdio-policy.ts';
import { signedDiscoveryTarget } from '../upstream/discovery-target.ts';
import { healthOfFailure, type HealthVerdict } from '../upstream/health.ts';
import { listUpstream, type UpstreamListing } from '../upstream/list-upstream.ts';
import { toInstallation } from '../views/rows.ts';
import { installationTools } from './list-installation-tools.ts';
import { recordTools } from './record-tools.ts';
import { announceVersionChange, type VersionChangeMail } from './server-version/announce-version-change.ts';
import { recordServerVersion, type ServerVersionChange } from './server-version/record-server-version.ts';

export interface DiscoverInstallationOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  /** Opens the installation's sealed credentials, and the signing key of Forwarded JWTs. */
  secretKeys?: KeyRing;
  /**
   * issuerFrom(PUBLIC_WEB_URL): the `iss` of the Forwarded JWT a `jwt` server is sent, naming the
   * actor as the proxy names them on their calls. Without it (or the key ring) such a server is
   * not discovered: UNAVAILABLE, never an anonymous connection.
   */
  issuer?: string;
  /** Let discovery reach private and loopback addresses (self-hosted upstreams, tests). */
  allowPrivate: boolean;
  /** Self-hosted (stdio) servers are offered (see ControlPlaneDeps.allowStdio). */
  allowStdio?: boolean;
  /** Where self-hosted servers run; without it discovery starts a stdio server's command here. */
  runners?: RunnerAccess;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Owners and admins are emailed when the server reports another version than before. */
  versionMail?: VersionChangeMail;
}

/**
 * Connects to the installation's upstream (through the SSRF guard), records its tools —
 * upserting current ones, deleting vanished ones, holding new and changed definitions for review
 * (recordTools) — its status, and the version it reports (a change is audited and announced to
 * admins: recordServerVersion). A `jwt` server is sent a
 * Forwarded JWT naming the actor, so it lists what that person would be offered. A failing upstream is not an
 * error of this call: the installation is marked `error` with `lastError`, tools are kept.
 * Gateways that use the entry are invalidated either way.
 */
export async function discoverInstallation(
  options: DiscoverInstallationOptions,
): Promise<DiscoveredInstallation> {
  const { db, bus, tenantId, actor, installationId } = options;
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, installation, 'refresh this installation');
  const entry = await findUsableEntry(db, tenantId, installation.registryEntryId);
  requireStdioAllowed(entry.transport, options.allowStdio);
  // Network first, with no connection or transaction held.
  let listing: UpstreamListing | undefined;
  let failure: HealthVerdict | undefined;
  try {
    // The built-in management server has no upstream: its tools are Toolgate's own (imported
    // here, when needed, since they are built from the REST routes that import this service).
    if (entry.transport === 'builtin')
      listing = (await import('../management/management-server.ts')).managementListing();
    // Credentials that no longer open (a key dropped from the ring) are this installation's
    // problem to show, not the caller's mistake.
    else
      listing = await listUpstream(
        await signedDiscoveryTarget(entry, installation, { ...options, as: actor }),
        {
          allowPrivate: options.allowPrivate,
          runners: options.runners,
          connectTimeoutMs: options.connectTimeoutMs,
          callTimeoutMs: options.callTimeoutMs,
        },
      );
  } catch (err) {
    if (err instanceof AppError && err.code === 'UNAVAILABLE') throw err;
    failure = healthOfFailure(err);
    // An OAuth pass-through server answers only callers' own tokens: refusing ours shows it is up.
    // Nothing is recorded: a pass-through gateway lists it live, with each caller's token.
    if (entry.authKind === 'oauth_passthrough' && failure.status === 'auth_failed') {
      listing = { tools: [], hasResources: false };
      failure = undefined;
    }
  }

  const now = new Date();
  const { recorded, versionChange } = await db.transaction(async (tx) => {
    if (!listing) {
      await tx
        .update(installations)
        .set({
          status: failure?.status ?? 'error',
          lastError: failure?.error ?? 'discovery failed',
          checkedAt: now,
        })
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
      return {
        recorded: await recordEntryChange(tx, tenantId, entry.id, 'discovery failed'),
        versionChange: null,
      };
    }
    // Toolgate's own server changes only with Toolgate: its definitions need no review.
    await recordTools(tx, tenantId, installationId, listing.tools, now, {
      approveAll: entry.transport === 'builtin',
    });
    await recordPrompts(tx, tenantId, installationId, listing.prompts ?? [], now);
    // The tools were just re-checked above, whatever the version says.
    const versionChange: ServerVersionChange | null = listing.server
      ? await recordServerVersion(tx, {
          tenantId,
          installationId,
          server: listing.server,
          now,
          actor,
          during: 'discovery',
        })
      : null;
    await tx
      .update(installations)
      .set({ status: 'ready', lastError: null, discoveredAt: now, checkedAt: now })
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
    return { recorded: await recordEntryChange(tx, tenantId, entry.id, 'tools discovered'), versionChange };
  });
  await deliverChanges(db, bus, recorded);
  if (versionChange) await announceVersionChange(db, options.versionMail, versionChange);

  const [[updated], toolList, promptList] = await Promise.all([
    db
      .select()
      .from(installations)
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId))),
    installationTools(db, tenantId, installationId),
    installationPrompts(db, tenantId, [installationId]),
  ]);
  if (!updated) throw new AppError('NOT_FOUND', 'Installation not found');
  return {
    installation: toInstallation(updated),
    tools: toolList,
    prompts: promptList,
    hasResources: listing ? listing.hasResources : null,
  };
}
