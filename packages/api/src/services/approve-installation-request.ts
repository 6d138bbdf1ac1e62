import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { installations } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import {
  ZApproveInstallationRequest,
  type ApprovedInstallationRequest,
  type ApproveInstallationRequest,
} from '../schemas/installation-requests.ts';
import { parseInput } from '../validation.ts';
import {
  findInstallationRequest,
  getInstallationRequestView,
  updateIfPending,
  requestNotPending,
} from '../views/installation-request.ts';
import { createInstallation } from './create-installation.ts';

export interface ApproveInstallationRequestOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  requestId: string;
  /** The credentials and field values the admin enters; scope and team are the request's. */
  input: ApproveInstallationRequest;
  secretKeys?: KeyRing;
  allowPrivate: boolean;
  allowStdio?: boolean;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  plans?: PlansConfig;
}

/**
 * An owner or admin approves a pending request: the installation is created (and discovered)
 * exactly as an admin's own install would be, then linked to the request. If the request was
 * decided or cancelled meanwhile, the new installation is removed again and the call is a CONFLICT.
 */
export async function approveInstallationRequest(
  options: ApproveInstallationRequestOptions,
): Promise<ApprovedInstallationRequest> {
  const { db, bus, tenantId, actor, requestId } = options;
  requireAdmin(actor, 'decide on installation requests');
  const input = parseInput(ZApproveInstallationRequest, options.input);
  const request = await findInstallationRequest(db, tenantId, requestId);
  if (request.status !== 'pending') throw requestNotPending(request.status);

  // Discovery talks to the network: no transaction is held across it.
  const installed = await createInstallation({
    ...options,
    input: {
      registryEntryId: request.registryEntryId,
      scope: request.scope === 'team' ? 'team' : 'org',
      ...(request.scope === 'team' && request.teamId ? { teamId: request.teamId } : {}),
      ...(input.name ? { name: input.name } : {}),
      values: input.values,
    },
  });

  const linked = await updateIfPending(db, tenantId, requestId, {
    status: 'approved',
    decidedBy: actor.userId,
    decidedAt: new Date(),
    installationId: installed.installation.id,
  });
  if (!linked) {
    const recorded = await db.transaction(async (tx) => {
      await tx
        .delete(installations)
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installed.installation.id)));
      return recordEntryChange(tx, tenantId, request.registryEntryId, 'installation removed');
    });
    await deliverChanges(db, bus, recorded);
    const now = await findInstallationRequest(db, tenantId, requestId);
    throw requestNotPending(now.status);
  }
  return { request: await getInstallationRequestView(db, tenantId, requestId), installation: installed };
}
