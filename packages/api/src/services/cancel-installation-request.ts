import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { isAdmin, type Actor } from '../actor.ts';
import type { InstallationRequest } from '../schemas/installation-requests.ts';
import {
  findInstallationRequest,
  getInstallationRequestView,
  updateIfPending,
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
  if (!(await updateIfPending(db, tenantId, requestId, { status: 'cancelled' })))
    throw requestNotPending(current.status);
  return getInstallationRequestView(db, tenantId, requestId);
}
