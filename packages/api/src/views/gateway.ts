import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { gateways, gatewayTeams, gatewayToolAssignments } from '@toolgate/db/schema';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { toIso } from '../schemas/common.ts';
import type { Assignment, Gateway } from '../schemas/gateways.ts';

type GatewayRow = typeof gateways.$inferSelect;

export const toAssignment = (row: typeof gatewayToolAssignments.$inferSelect): Assignment => ({
  id: row.id,
  kind: row.kind,
  registryEntryId: row.registryEntryId,
  toolName: row.toolName,
  installationId: row.installationId,
  alias: row.alias,
  descriptionOverride: row.descriptionOverride,
});

/** Gateways with their teams and assignments, in three queries whatever their number. */
export async function loadGatewayViews(
  db: Database,
  tenantId: string,
  rows: GatewayRow[],
): Promise<Gateway[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [teamRows, assignmentRows] = await Promise.all([
    db
      .select()
      .from(gatewayTeams)
      .where(and(eq(gatewayTeams.tenantId, tenantId), inArray(gatewayTeams.gatewayId, ids))),
    db
      .select()
      .from(gatewayToolAssignments)
      .where(
        and(eq(gatewayToolAssignments.tenantId, tenantId), inArray(gatewayToolAssignments.gatewayId, ids)),
      )
      .orderBy(asc(gatewayToolAssignments.createdAt), asc(gatewayToolAssignments.toolName)),
  ]);
  return rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    visibility: row.visibility,
    teamIds: teamRows
      .filter((t) => t.gatewayId === row.id)
      .map((t) => t.teamId)
      .sort(),
    clientAuthMethods: row.clientAuthMethods,
    toolExposure: row.toolExposure,
    headerAllowlist: row.headerAllowlist,
    identityProviderId: row.identityProviderId,
    passthroughEntryId: row.passthroughEntryId,
    assignments: assignmentRows.filter((a) => a.gatewayId === row.id).map(toAssignment),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  }));
}

/** One gateway of the tenant; another tenant's id is simply NOT_FOUND. */
export async function findGatewayRow(db: Database, tenantId: string, gatewayId: string): Promise<GatewayRow> {
  const [row] = await db
    .select()
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)));
  if (!row) throw new AppError('NOT_FOUND', 'Gateway not found');
  return row;
}

/** Slugs are unique per tenant; the field message lets forms show it under the slug input. */
export const slugTaken = (slug: string): AppError =>
  new AppError('CONFLICT', `A gateway with slug "${slug}" already exists`, {
    fields: [{ path: 'slug', message: 'is already used by another gateway' }],
  });
