import type { Database } from '@toolgate/db/client';
import { requireAdmin, type Actor } from '../actor.ts';
import {
  ZRejectInstallationRequest,
  type InstallationRequest,
  type RejectInstallationRequest,
} from '../schemas/installation-requests.ts';
import { parseInput } from '../validation.ts';
import {
  findInstallationRequest,
  getInstallationRequestView,
  updateIfPending,
  requestNotPending,
} from '../views/installation-request.ts';

export interface RejectInstallationRequestOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  requestId: string;
  input: RejectInstallationRequest;
}

/** An owner or admin turns a pending request down, with a note for the requester. */
export async function rejectInstallationRequest({
  db,
  tenantId,
  actor,
  requestId,
  input,
}: RejectInstallationRequestOptions): Promise<InstallationRequest> {
  requireAdmin(actor, 'decide on installation requests');
  const { note } = parseInput(ZRejectInstallationRequest, input);
  const current = await findInstallationRequest(db, tenantId, requestId);
  const decided = await updateIfPending(db, tenantId, requestId, {
    status: 'rejected',
    decidedBy: actor.userId,
    decidedAt: new Date(),
    decisionNote: note,
  });
  if (!decided) throw requestNotPending(current.status);
  return getInstallationRequestView(db, tenantId, requestId);
}
