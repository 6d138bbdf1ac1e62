import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { gatewayToolAssignments, installations, registryEntries } from '@toolgate/db/schema';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { usableEntries } from '../installation-access.ts';
import { deliverChanges, recordGatewayChange, tenantSlugOf } from '../invalidation.ts';
import {
  ZSetGatewayAssignmentsRequest,
  type GatewayAssignments,
  type SetGatewayAssignmentsRequest,
} from '../schemas/gateways.ts';
import { describeIssues, parseInput, type FieldIssue } from '../validation.ts';
import { toAssignment, findGatewayRow } from '../views/gateway.ts';

export interface SetGatewayAssignmentsOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  gatewayId: string;
  input: SetGatewayAssignmentsRequest;
}

/**
 * Replaces everything a gateway exposes, atomically. The would-be configuration is compiled
 * exactly as the proxy compiles it (inside the transaction, so nothing is written when it fails):
 * two tools or prompts with one name are a CONFLICT naming both.
 */
export async function setGatewayAssignments({
  db,
  bus,
  tenantId,
  actor,
  gatewayId,
  input,
}: SetGatewayAssignmentsOptions): Promise<GatewayAssignments> {
  requireAdmin(actor, 'assign tools to gateways');
  const { assignments } = parseInput(ZSetGatewayAssignmentsRequest, input);
  const gateway = await findGatewayRow(db, tenantId, gatewayId);
  if (gateway.clientAuthMethods.includes('passthrough') && assignments.length > 0)
    throw new AppError(
      'INVALID',
      'A pass-through gateway serves its one server as that server lists it: it takes no tool assignments',
    );
  const tenantSlug = await tenantSlugOf(db, tenantId);

  // References: entries the tenant may use, installations of the tenant and of that entry.
  const entryIds = [...new Set(assignments.map((a) => a.registryEntryId))];
  const installationIds = [
    ...new Set(assignments.flatMap((a) => (a.installationId ? [a.installationId] : []))),
  ];
  const [entryRows, installationRows] = await Promise.all([
    entryIds.length === 0
      ? []
      : db
          .select({ id: registryEntries.id, slug: registryEntries.slug })
          .from(registryEntries)
          .where(and(inArray(registryEntries.id, entryIds), usableEntries(tenantId))),
    installationIds.length === 0
      ? []
      : db
          .select({
            id: installations.id,
            entryId: installations.registryEntryId,
            scope: installations.scope,
          })
          .from(installations)
          .where(and(eq(installations.tenantId, tenantId), inArray(installations.id, installationIds))),
  ]);
  const entries = new Map(entryRows.map((e) => [e.id, e]));
  const pinned = new Map(installationRows.map((i) => [i.id, i]));
  const missingEntry = entryIds.find((id) => !entries.has(id));
  if (missingEntry) throw new AppError('NOT_FOUND', `Registry entry ${missingEntry} not found`);
  const missingInstallation = installationIds.find((id) => !pinned.has(id));
  if (missingInstallation) throw new AppError('NOT_FOUND', `Installation ${missingInstallation} not found`);

  const issues: FieldIssue[] = [];
  const items = new Map<string, number>();
  const aliases = new Map<string, number>();
  assignments.forEach((a, i) => {
    const installation = a.installationId ? pinned.get(a.installationId) : undefined;
    if (installation && installation.entryId !== a.registryEntryId)
      issues.push({
        path: `assignments.${i}.installationId`,
        message: 'is an installation of another registry entry',
      });
    if (installation?.scope === 'personal')
      issues.push({
        path: `assignments.${i}.installationId`,
        message: 'a personal installation serves its owner only and cannot be pinned (leave it null)',
      });
    const item = `${a.registryEntryId}\u0000${a.kind}\u0000${a.toolName}`;
    if (items.has(item))
      issues.push({ path: `assignments.${i}`, message: `repeats assignments.${items.get(item)}` });
    items.set(item, i);
  });
  if (issues.length > 0) throw new AppError('INVALID', describeIssues(issues), { fields: issues });
  assignments.forEach((a, i) => {
    if (a.alias === null) return;
    const key = `${a.kind}\u0000${a.alias}`;
    const first = aliases.get(key);
    if (first !== undefined) {
      const owner = (j: number) =>
        `${entries.get(assignments[j]!.registryEntryId)!.slug}/${assignments[j]!.toolName}`;
      throw new AppError(
        'CONFLICT',
        `${a.kind} name "${a.alias}" would be used by both ${owner(first)} and ${owner(i)}; choose another alias`,
        { name: a.alias, [a.kind === 'prompt' ? 'prompts' : 'tools']: [owner(first), owner(i)] },
      );
    }
    aliases.set(key, i);
  });

  const { rows, snapshot, recorded } = await db.transaction(async (tx) => {
    await tx
      .delete(gatewayToolAssignments)
      .where(
        and(eq(gatewayToolAssignments.tenantId, tenantId), eq(gatewayToolAssignments.gatewayId, gatewayId)),
      );
    if (assignments.length > 0) {
      await tx.insert(gatewayToolAssignments).values(
        assignments.map((a) => ({
          tenantId,
          gatewayId,
          registryEntryId: a.registryEntryId,
          kind: a.kind,
          toolName: a.toolName,
          installationId: a.installationId,
          alias: a.alias,
          descriptionOverride: a.descriptionOverride,
        })),
      );
    }
    // The proxy's own loader and compiler, run against the uncommitted rows.
    const compiled = await loadGatewaySnapshot(tx, tenantSlug, gateway.slug);
    if (compiled.kind !== 'found') throw new AppError('NOT_FOUND', 'Gateway not found');
    const saved = await tx
      .select()
      .from(gatewayToolAssignments)
      .where(
        and(eq(gatewayToolAssignments.tenantId, tenantId), eq(gatewayToolAssignments.gatewayId, gatewayId)),
      )
      .orderBy(asc(gatewayToolAssignments.createdAt), asc(gatewayToolAssignments.toolName));
    const changed = [{ id: gateway.id, slug: gateway.slug }];
    return {
      rows: saved,
      snapshot: compiled.snapshot,
      recorded: await recordGatewayChange(tx, tenantId, changed, 'assignments changed'),
    };
  });
  await deliverChanges(db, bus, recorded);
  return {
    gatewayId,
    assignments: rows.map(toAssignment),
    exposedTools: snapshot.tools.map((t) => t.name),
    exposedPrompts: snapshot.prompts.map((p) => p.name),
  };
}
