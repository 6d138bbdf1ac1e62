import type { Database } from '@toolgate/db/client';
import { installationRequests } from '@toolgate/db/schema';
import { and, eq, sql } from 'drizzle-orm';
import { isAdmin, type Actor } from '../actor.ts';
import {
  ZListInstallationRequestsQuery,
  type InstallationRequest,
  type ListInstallationRequestsQuery,
} from '../schemas/installation-requests.ts';
import { parseInput } from '../validation.ts';
import { selectInstallationRequests } from '../views/installation-request.ts';

export interface ListInstallationRequestsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  query?: ListInstallationRequestsQuery;
}

/** Owners and admins see every request of the tenant; members see their own. Newest first. */
export async function listInstallationRequests({
  db,
  tenantId,
  actor,
  query = {},
}: ListInstallationRequestsOptions): Promise<InstallationRequest[]> {
  const { status } = parseInput(ZListInstallationRequestsQuery, query);
  const mine = isAdmin(actor)
    ? undefined
    : actor.userId
      ? eq(installationRequests.requestedBy, actor.userId)
      : sql`false`;
  return selectInstallationRequests(
    db,
    tenantId,
    and(mine, status ? eq(installationRequests.status, status) : undefined),
  );
}
