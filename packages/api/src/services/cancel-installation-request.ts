import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installationRequests } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { isAdmin, type Actor } from '../actor.ts';
import type { InstallationRequest } from '../schemas/installation-requests.ts';
import {
  findInstallationRequest,
  getInstallationRequestView,
  requestNotPending,
} from '../views/installation-request.ts';

export interface CancelInstallationRequestOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  requestId: string;
}

/** The requester withdraws their pending request. Admins decide on others' requests instead. */
export async function cancelInstallationRequest({
  db,
  tenantId,
  actor,
  requestId,
}: CancelInstallationRequestOptions): Promise<InstallationRequest> {
  const current = await findInstallationRequest(db, tenantId, requestId);
  const own = actor.userId !== null && current.requestedBy === actor.userId;
  if (!own) {
    // To a member another member's request does not exist, as in the list.
    if (!isAdmin(actor)) throw new AppError('NOT_FOUND', 'Installation request not found');
    throw new AppError('FORBIDDEN', 'Only the person who asked may cancel a request; reject it instead');
  }
  const [row] = await db
    .update(installationRequests)
    .set({ status: 'cancelled' })
    .where(
      and(
        eq(installationRequests.tenantId, tenantId),
        eq(installationRequests.id, requestId),
        eq(installationRequests.status, 'pending'),
      ),
    )
    .returning({ id: installationRequests.id });
  if (!row) throw requestNotPending(current.status);
  return getInstallationRequestView(db, tenantId, requestId);
}
