import type { Bus } from '@toolgate/bus';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import {
  requireInstallationManager,
  findUsableEntry,
  findVisibleInstallation,
} from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import type { Installation } from '../schemas/installations.ts';
import { signedDiscoveryTarget } from '../upstream/discovery-target.ts';
import { healthOfFailure, probeUpstream, type HealthVerdict, type ProbeResult } from '../upstream/health.ts';
import { toInstallation } from '../views/rows.ts';
import { recordTools } from './record-tools.ts';
import { announceVersionChange, type VersionChangeMail } from './server-version/announce-version-change.ts';
import { recordServerVersion } from './server-version/record-server-version.ts';

interface ProbeDeps {
  secretKeys?: KeyRing;
  /**
   * issuerFrom(PUBLIC_WEB_URL): a `jwt` server is checked with a Forwarded JWT naming Toolgate
   * itself (DISCOVERY_SUBJECT), from the worker and "Check now" alike, so the verdict does not
   * depend on who asked. Without it (or the key ring) the check records why it cannot sign.
   */
  issuer?: string;
  /** Let checks reach private and loopback addresses (self-hosted upstreams, tests). */
  allowPrivate: boolean;
  timeoutMs?: number;
  /** Delivers the invalidation of gateways whose tools a version change re-checked (else the relay does). */
  bus?: Bus;
  /** Owners and admins are emailed when the server reports another version than before. */
  versionMail?: VersionChangeMail;
}

type Entry = typeof registryEntries.$inferSelect;
type InstallationRow = typeof installations.$inferSelect;

/** Servers whose tools Toolgate records, so a new version's tool definitions are re-checked. */
const recordsTools = (entry: Entry) =>
  entry.transport !== 'builtin' && entry.authKind !== 'oauth_passthrough';

async function probe(
  db: Database,
  entry: Entry,
  installation: InstallationRow,
  deps: ProbeDeps,
): Promise<ProbeResult> {
  // The built-in management server is Toolgate itself: up whenever this code runs.
  if (entry.transport === 'builtin') return { status: 'ready', error: null, server: null };
  try {
    const target = await signedDiscoveryTarget(entry, installation, {
      db,
      tenantId: installation.tenantId,
      secretKeys: deps.secretKeys,
      issuer: deps.issuer,
      as: 'toolgate',
    });
    const result = await probeUpstream(target, {
      allowPrivate: deps.allowPrivate,
      timeoutMs: deps.timeoutMs,
      // Another version than recorded: its tool definitions are read on the same session.
      relistToolsIf: (server) =>
        server !== null &&
        installation.serverVersion !== null &&
        server.version !== installation.serverVersion &&
        recordsTools(entry),
    });
    // An OAuth pass-through server answers only callers' own tokens: refusing ours shows it is up.
    return entry.authKind === 'oauth_passthrough' && result.status === 'auth_failed'
      ? { status: 'ready', error: null, server: null }
      : result;
  } catch (err) {
    // Credentials that no longer open, or a token that cannot be signed, are this installation's
    // problem to show.
    return { ...healthOfFailure(err), server: null };
  }
}

/**
 * Records a check's verdict and the version the server reported; a check that finds the server up
 * again keeps the discovery's state. Another version than recorded is drift (recordServerVersion):
 * the tool definitions the check re-read are recorded as a discovery records them (changed ones
 * held for review), the gateways using them invalidated, and admins emailed after the commit. A
 * `jwt` server was asked as Toolgate itself, which may be offered fewer tools: those it did not
 * list are left as they are.
 */
async function record(
  db: Database,
  entry: Entry,
  installation: InstallationRow,
  result: ProbeResult,
  actor: Actor | null,
  deps: ProbeDeps,
) {
  const { tenantId, id } = installation;
  const now = new Date();
  const outcome = await db.transaction(async (tx) => {
    const rechecked = { tools: false, changes: [] as PendingConfigChange[] };
    const { server, tools } = result;
    const versionChange = server
      ? await recordServerVersion(tx, {
          tenantId,
          installationId: id,
          server,
          now,
          actor,
          during: 'health-check',
          recheckTools: async () => {
            if (!recordsTools(entry)) return true;
            // The version was recorded by someone else while this check ran: the next one re-reads.
            if (!tools) return false;
            await recordTools(tx, tenantId, id, tools, now, { keepUnlisted: entry.authKind === 'jwt' });
            rechecked.changes = await recordEntryChange(tx, tenantId, entry.id, 'server version changed');
            rechecked.tools = true;
            return true;
          },
        })
      : null;
    const [row] = await tx
      .update(installations)
      .set({
        status: result.status,
        lastError: result.error,
        checkedAt: now,
        ...(rechecked.tools ? { discoveredAt: now } : {}),
      })
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, id)))
      .returning();
    return { row, changes: rechecked.changes, versionChange };
  });
  if (deps.bus) await deliverChanges(db, deps.bus, outcome.changes);
  if (outcome.versionChange) await announceVersionChange(db, deps.versionMail, outcome.versionChange);
  return outcome.row;
}

/**
 * Checks one installation now (the servers page's "Check now"): whether its remote server
 * answers an MCP handshake with its credential, and which version it reports. Local (stdio)
 * servers are not checked here.
 */
export async function checkInstallationHealth(
  options: ProbeDeps & { db: Database; tenantId: string; actor: Actor; installationId: string },
): Promise<Installation> {
  const { db, tenantId, actor, installationId } = options;
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, installation, 'check this installation');
  const entry = await findUsableEntry(db, tenantId, installation.registryEntryId);
  if (entry.transport === 'stdio')
    throw new AppError('INVALID', 'Local (stdio) servers are checked when they start, not by a health check');
  const result = await probe(db, entry, installation, options);
  const row = await record(db, entry, installation, result, actor, options);
  if (!row) throw new AppError('NOT_FOUND', 'Installation not found');
  return toInstallation(row);
}

export interface HealthSweepResult {
  checked: number;
  byStatus: Partial<Record<HealthVerdict['status'], number>>;
}

/**
 * The worker's scheduled pass over every tenant: enabled remote installations not checked for
 * `intervalMs`. Rows are claimed (checked_at set) before the network is touched, with SKIP
 * LOCKED, so several workers share the work instead of repeating it.
 */
export async function checkDueInstallations(
  options: ProbeDeps & { db: Database; intervalMs: number; limit?: number; concurrency?: number },
): Promise<HealthSweepResult> {
  const { db } = options;
  const due = new Date(Date.now() - options.intervalMs);
  const claimed = await db.execute<{ id: string }>(sql`
    update ${installations} set checked_at = now()
    where id in (
      select i.id from ${installations} i
      join ${registryEntries} e on e.id = i.registry_entry_id
      where i.enabled and i.status <> 'pending' and e.transport not in ('stdio', 'builtin')
        and (i.checked_at is null or i.checked_at < ${due.toISOString()})
      order by i.checked_at nulls first
      limit ${options.limit ?? 50}
      for update of i skip locked
    )
    returning id`);
  const ids = claimed.rows.map((r) => r.id);
  const result: HealthSweepResult = { checked: 0, byStatus: {} };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const [row] = await db
        .select({ installation: installations, entry: registryEntries })
        .from(installations)
        .innerJoin(registryEntries, eq(registryEntries.id, installations.registryEntryId))
        .where(eq(installations.id, id));
      if (!row) continue;
      const verdict = await probe(db, row.entry, row.installation, options);
      await record(db, row.entry, row.installation, verdict, null, options);
      result.checked++;
      result.byStatus[verdict.status] = (result.byStatus[verdict.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, ids.length) }, worker));
  return result;
}
