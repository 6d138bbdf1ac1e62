import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { gateways, gatewayTeams } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import {
  identityProviderIssue,
  passthroughIssue,
  visibilityIssue,
  ZUpdateGatewayRequest,
  type Gateway,
  type UpdateGatewayRequest,
} from '../schemas/gateways.ts';
import {
  requireIdentityProvider,
  requireNoAssignments,
  requirePassthroughEntry,
  requireTeams,
} from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { requireFeature } from './plans/plan-features.ts';
import { findGatewayRow, loadGatewayViews, slugTaken } from '../views/gateway.ts';

export interface UpdateGatewayOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  gatewayId: string;
  input: UpdateGatewayRequest;
  /** The deployment's plans: switching `idp_jwt` on needs the `idpJwt` feature. Absent: every tenant has every feature. */
  plans?: PlansConfig;
}

/** Changes the given fields. Switching visibility to org drops the team list. */
export async function updateGateway({
  db,
  bus,
  tenantId,
  actor,
  gatewayId,
  input,
  plans,
}: UpdateGatewayOptions): Promise<Gateway> {
  requireAdmin(actor, 'edit gateways');
  const patch = parseInput(ZUpdateGatewayRequest, input);
  const current = await findGatewayRow(db, tenantId, gatewayId);
  const [view] = await loadGatewayViews(db, tenantId, [current]);

  const visibility = patch.visibility ?? current.visibility;
  const teamIds = patch.teamIds ?? (visibility === 'org' ? [] : view!.teamIds);
  const problem = visibilityIssue(visibility, teamIds);
  if (problem)
    throw new AppError('INVALID', `teamIds: ${problem}`, { fields: [{ path: 'teamIds', message: problem }] });
  await requireTeams(db, tenantId, teamIds);
  const idpProblem = identityProviderIssue(
    patch.clientAuthMethods ?? current.clientAuthMethods,
    patch.identityProviderId === undefined ? current.identityProviderId : patch.identityProviderId,
  );
  if (idpProblem)
    throw new AppError('INVALID', `identityProviderId: ${idpProblem}`, {
      fields: [{ path: 'identityProviderId', message: idpProblem }],
    });
  if (patch.identityProviderId) await requireIdentityProvider(db, tenantId, patch.identityProviderId);
  const methods = patch.clientAuthMethods ?? current.clientAuthMethods;
  // A gateway that already accepts IdP JWTs keeps doing so on a plan without them.
  if (methods.includes('idp_jwt') && !current.clientAuthMethods.includes('idp_jwt'))
    await requireFeature(db, tenantId, plans, 'idpJwt');
  // Leaving pass-through forgets the server it fronted.
  const passthroughEntryId = !methods.includes('passthrough')
    ? (patch.passthroughEntryId ?? null)
    : patch.passthroughEntryId === undefined
      ? current.passthroughEntryId
      : patch.passthroughEntryId;
  const ptProblem = passthroughIssue(methods, passthroughEntryId, visibility);
  if (ptProblem)
    throw new AppError('INVALID', `${ptProblem.path}: ${ptProblem.message}`, { fields: [ptProblem] });
  if (patch.passthroughEntryId) await requirePassthroughEntry(db, tenantId, patch.passthroughEntryId);
  if (methods.includes('passthrough') && !current.clientAuthMethods.includes('passthrough'))
    await requireNoAssignments(db, tenantId, gatewayId);
  const teamsChanged = teamIds.join() !== view!.teamIds.join();

  let updated: typeof gateways.$inferSelect;
  let recorded: Awaited<ReturnType<typeof recordGatewayChange>> = [];
  try {
    updated = await db.transaction(async (tx) => {
      const { teamIds: _teamIds, ...columns } = patch;
      const [row] = await tx
        .update(gateways)
        .set({ ...columns, visibility, passthroughEntryId, updatedAt: new Date() })
        .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)))
        .returning();
      if (!row) throw new AppError('NOT_FOUND', 'Gateway not found');
      if (teamsChanged) {
        await tx
          .delete(gatewayTeams)
          .where(and(eq(gatewayTeams.tenantId, tenantId), eq(gatewayTeams.gatewayId, gatewayId)));
        if (teamIds.length > 0) {
          await tx
            .insert(gatewayTeams)
            .values([...new Set(teamIds)].map((teamId) => ({ tenantId, gatewayId, teamId })));
        }
      }
      const changed = [{ id: current.id, slug: current.slug }];
      if (row.slug !== current.slug) changed.push({ id: row.id, slug: row.slug });
      recorded = await recordGatewayChange(tx, tenantId, changed, 'gateway updated');
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(patch.slug ?? current.slug);
    throw err;
  }

  await deliverChanges(db, bus, recorded);
  const [result] = await loadGatewayViews(db, tenantId, [updated]);
  return result!;
}
