import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { gateways, identityProviders, teams } from '@toolgate/db/schema';
import { and, eq, inArray } from 'drizzle-orm';

/** Teams named in a request must be the tenant's; another tenant's team is "not found". */
export async function requireTeams(
  db: Database,
  tenantId: string,
  teamIds: readonly string[],
): Promise<void> {
  const wanted = [...new Set(teamIds)];
  if (wanted.length === 0) return;
  const found = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.tenantId, tenantId), inArray(teams.id, wanted)));
  const known = new Set(found.map((t) => t.id));
  const missing = wanted.find((id) => !known.has(id));
  if (missing) throw new AppError('NOT_FOUND', `Team ${missing} not found`);
}

/** Gateways named by a request must be the tenant's; another tenant's is "not found", on the field. */
export async function requireGateways(
  db: Database,
  tenantId: string,
  gatewayIds: readonly string[],
  field = 'gatewayIds',
): Promise<void> {
  const wanted = [...new Set(gatewayIds)];
  if (wanted.length === 0) return;
  const found = await db
    .select({ id: gateways.id })
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenantId), inArray(gateways.id, wanted)));
  const known = new Set(found.map((g) => g.id));
  const missing = wanted.find((id) => !known.has(id));
  if (missing) {
    const message = `gateway ${missing} not found`;
    throw new AppError('NOT_FOUND', `Gateway ${missing} not found`, { fields: [{ path: field, message }] });
  }
}

/**
 * A gateway's identity provider must be the tenant's; another tenant's is "not found", reported on
 * the field so the form shows it there.
 */
export async function requireIdentityProvider(
  db: Database,
  tenantId: string,
  identityProviderId: string | null,
): Promise<void> {
  if (!identityProviderId) return;
  const [found] = await db
    .select({ id: identityProviders.id })
    .from(identityProviders)
    .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.id, identityProviderId)));
  if (!found)
    throw new AppError('NOT_FOUND', `Identity provider ${identityProviderId} not found`, {
      fields: [{ path: 'identityProviderId', message: 'is not an identity provider of this workspace' }],
    });
}
