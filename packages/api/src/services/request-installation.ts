import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installationRequests } from '@toolgate/db/schema';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { requireVerifiedEmail } from '../email-verification.ts';
import { findUsableEntry } from '../installation-access.ts';
import {
  ZNewInstallationRequest,
  type InstallationRequest,
  type NewInstallationRequest,
} from '../schemas/installation-requests.ts';
import { requireTeams } from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { getInstallationRequestView } from '../views/installation-request.ts';

export interface RequestInstallationOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  input: NewInstallationRequest;
}

/**
 * A member asks the admins to install a server for the organization or a team (installing for
 * themselves needs no one's approval). One pending request per person, server and scope: asking
 * again while the first is open is a CONFLICT.
 */
export async function requestInstallation({
  db,
  tenantId,
  actor,
  input,
}: RequestInstallationOptions): Promise<InstallationRequest> {
  const request = parseInput(ZNewInstallationRequest, input);
  await requireVerifiedEmail(db, actor, 'asking for server installations');
  const entry = await findUsableEntry(db, tenantId, request.registryEntryId);
  if (request.teamId) await requireTeams(db, tenantId, [request.teamId]);
  const userId = actor.userId;
  if (!userId)
    throw new AppError('INVALID', 'An installation request is made by a person; this token acts for no user');

  const teamId = request.scope === 'team' ? request.teamId! : null;
  const id = await db.transaction(async (tx) => {
    // Serializes concurrent requests for the same thing, so the duplicate check below holds.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`installation-request:${tenantId}:${userId}:${entry.id}:${request.scope}:${teamId ?? ''}`}, 0))`,
    );
    const [pending] = await tx
      .select({ id: installationRequests.id })
      .from(installationRequests)
      .where(
        and(
          eq(installationRequests.tenantId, tenantId),
          eq(installationRequests.requestedBy, userId),
          eq(installationRequests.registryEntryId, entry.id),
          eq(installationRequests.scope, request.scope),
          teamId ? eq(installationRequests.teamId, teamId) : isNull(installationRequests.teamId),
          eq(installationRequests.status, 'pending'),
        ),
      );
    if (pending)
      throw new AppError(
        'CONFLICT',
        `You already asked for ${entry.name} ${request.scope === 'team' ? 'for this team' : 'for the organization'}; that request is still pending`,
        { requestId: pending.id },
      );
    const [row] = await tx
      .insert(installationRequests)
      .values({
        tenantId,
        registryEntryId: entry.id,
        requestedBy: userId,
        scope: request.scope,
        teamId,
        reason: request.reason,
      })
      .returning({ id: installationRequests.id });
    return row!.id;
  });
  return getInstallationRequestView(db, tenantId, id);
}
