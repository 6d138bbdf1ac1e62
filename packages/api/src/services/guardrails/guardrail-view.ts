import { AppError } from '@toolgate/core/errors';
import type { Executor } from '@toolgate/db/config-outbox';
import { guardrailGateways, guardrails } from '@toolgate/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { toIso } from '../../schemas/common.ts';
import type { Guardrail } from '../../schemas/guardrails.ts';

export type GuardrailRow = typeof guardrails.$inferSelect;

export const guardrailNotFound = () => new AppError('NOT_FOUND', 'Guardrail not found');

export const guardrailNameTaken = (name: string) =>
  new AppError('CONFLICT', `A guardrail named "${name}" already exists`, {
    fields: [{ path: 'name', message: `"${name}" is taken by another guardrail` }],
  });

/** A gateway named by the request was deleted while the guardrail was being saved. */
export const gatewayGone = () =>
  new AppError('NOT_FOUND', 'A gateway named in gatewayIds no longer exists', {
    fields: [{ path: 'gatewayIds', message: 'a gateway named here no longer exists' }],
  });

/** The tenant's guardrail, else NOT_FOUND (another tenant's looks the same). */
export async function findGuardrailRow(
  db: Executor,
  tenantId: string,
  guardrailId: string,
): Promise<GuardrailRow> {
  const [row] = await db
    .select()
    .from(guardrails)
    .where(and(eq(guardrails.tenantId, tenantId), eq(guardrails.id, guardrailId)));
  if (!row) throw guardrailNotFound();
  return row;
}

/** The gateways of guardrails that name theirs, by guardrail id (sorted). */
export async function guardrailGatewayIds(
  db: Executor,
  tenantId: string,
  guardrailIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byGuardrail = new Map<string, string[]>();
  if (guardrailIds.length === 0) return byGuardrail;
  const rows = await db
    .select({ guardrailId: guardrailGateways.guardrailId, gatewayId: guardrailGateways.gatewayId })
    .from(guardrailGateways)
    .where(
      and(
        eq(guardrailGateways.tenantId, tenantId),
        inArray(guardrailGateways.guardrailId, [...guardrailIds]),
      ),
    );
  for (const { guardrailId, gatewayId } of rows) {
    const ids = byGuardrail.get(guardrailId);
    if (ids) ids.push(gatewayId);
    else byGuardrail.set(guardrailId, [gatewayId]);
  }
  for (const ids of byGuardrail.values()) ids.sort();
  return byGuardrail;
}

/** The guardrail as answered: the external endpoint without its signing secret, ever. */
export const toGuardrail = (row: GuardrailRow, gatewayIds: readonly string[] | null): Guardrail => ({
  id: row.id,
  name: row.name,
  description: row.description,
  gatewayIds: row.allGateways ? null : [...(gatewayIds ?? [])],
  direction: row.direction,
  detectors: [...row.detectors],
  patterns: row.patterns.map((p) => ({ name: p.name, pattern: p.pattern })),
  action: row.action,
  enabled: row.enabled,
  external: row.externalUrl
    ? { url: row.externalUrl, timeoutMs: row.externalTimeoutMs, failMode: row.externalFailMode }
    : null,
  createdBy: row.createdBy,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
});

/** By name (case-insensitively), then id: the order lists show and the proxy need not share. */
const byName = (a: Guardrail, b: Guardrail): number => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id.localeCompare(b.id);
};

/** Guardrails with their gateways, ordered by name, in one more query whatever their number. */
export async function loadGuardrailViews(
  db: Executor,
  tenantId: string,
  rows: readonly GuardrailRow[],
): Promise<Guardrail[]> {
  const scoped = rows.filter((r) => !r.allGateways).map((r) => r.id);
  const gatewayIds = await guardrailGatewayIds(db, tenantId, scoped);
  return rows.map((row) => toGuardrail(row, gatewayIds.get(row.id) ?? [])).sort(byName);
}
