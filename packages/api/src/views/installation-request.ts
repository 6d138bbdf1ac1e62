import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installationRequests, registryEntries, teams, users } from '@toolgate/db/schema';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { toIso, toIsoOrNull } from '../schemas/common.ts';
import type { InstallationRequest } from '../schemas/installation-requests.ts';

export type InstallationRequestRow = typeof installationRequests.$inferSelect;

const requester = alias(users, 'requester');
const decider = alias(users, 'decider');

/**
 * Installation requests of one tenant as the API answers them: with the entry's and team's
 * names and who asked and decided. `where` narrows further; the tenant filter is always applied.
 */
export async function selectInstallationRequests(
  db: Database,
  tenantId: string,
  where?: SQL,
): Promise<InstallationRequest[]> {
  const rows = await db
    .select({
      request: installationRequests,
      entry: { name: registryEntries.name, slug: registryEntries.slug, transport: registryEntries.transport },
      teamName: teams.name,
      requester: { id: requester.id, name: requester.name, email: requester.email },
      decider: { id: decider.id, name: decider.name, email: decider.email },
    })
    .from(installationRequests)
    .innerJoin(registryEntries, eq(registryEntries.id, installationRequests.registryEntryId))
    .leftJoin(
      teams,
      and(eq(teams.id, installationRequests.teamId), eq(teams.tenantId, installationRequests.tenantId)),
    )
    .leftJoin(requester, eq(requester.id, installationRequests.requestedBy))
    .leftJoin(decider, eq(decider.id, installationRequests.decidedBy))
    .where(and(eq(installationRequests.tenantId, tenantId), where))
    .orderBy(desc(installationRequests.createdAt), desc(installationRequests.id));
  return rows.map(({ request: r, entry, teamName, requester: by, decider: decidedBy }) => ({
    id: r.id,
    registryEntryId: r.registryEntryId,
    entry,
    // Requests are for the org or a team; the column allows 'personal' only because it shares the enum.
    scope: r.scope === 'team' ? 'team' : 'org',
    teamId: r.teamId,
    teamName,
    reason: r.reason,
    status: r.status,
    requestedBy: by,
    decidedBy,
    decidedAt: toIsoOrNull(r.decidedAt),
    decisionNote: r.decisionNote,
    installationId: r.installationId,
    createdAt: toIso(r.createdAt),
    updatedAt: toIso(r.updatedAt),
  }));
}

export async function getInstallationRequestView(
  db: Database,
  tenantId: string,
  requestId: string,
): Promise<InstallationRequest> {
  const [view] = await selectInstallationRequests(db, tenantId, eq(installationRequests.id, requestId));
  if (!view) throw new AppError('NOT_FOUND', 'Installation request not found');
  return view;
}

/** The raw row, tenant-scoped; another tenant's request does not exist. */
export async function findInstallationRequest(
  db: Database,
  tenantId: string,
  requestId: string,
): Promise<InstallationRequestRow> {
  const [row] = await db
    .select()
    .from(installationRequests)
    .where(and(eq(installationRequests.tenantId, tenantId), eq(installationRequests.id, requestId)));
  if (!row) throw new AppError('NOT_FOUND', 'Installation request not found');
  return row;
}

/**
 * Decides or cancels a request, only while it is still pending (the guarded update settles a
 * race between two deciders). False when it had already left `pending`.
 */
export async function updateIfPending(
  db: Database,
  tenantId: string,
  requestId: string,
  changes: Partial<typeof installationRequests.$inferInsert>,
): Promise<boolean> {
  const [row] = await db
    .update(installationRequests)
    .set(changes)
    .where(
      and(
        eq(installationRequests.tenantId, tenantId),
        eq(installationRequests.id, requestId),
        eq(installationRequests.status, 'pending'),
      ),
    )
    .returning({ id: installationRequests.id });
  return row !== undefined;
}

/** A decision or cancellation arrived after the request left `pending`. */
export const requestNotPending = (status: string): AppError =>
  new AppError('CONFLICT', `This request is already ${status}`, { status });
