import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import {
  gateways,
  gatewayToolAssignments,
  identityProviders,
  registryEntries,
  teams,
} from '@toolgate/db/schema';
import { and, count, eq, inArray } from 'drizzle-orm';
import { usableEntries } from './installation-access.ts';

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

const passthroughRefusal = (message: string) =>
  new AppError('INVALID', `passthroughEntryId: ${message}`, {
    fields: [{ path: 'passthroughEntryId', message }],
  });

/**
 * The server a pass-through gateway fronts: a remote registry entry the tenant may use, whose
 * authentication is `oauth_passthrough` (its admin's consent to receive callers' tokens) and which
 * names its authorization server (advertised to the gateway's clients).
 */
export async function requirePassthroughEntry(
  db: Database,
  tenantId: string,
  entryId: string | null,
): Promise<void> {
  if (!entryId) return;
  const [entry] = await db
    .select({
      transport: registryEntries.transport,
      authKind: registryEntries.authKind,
      authConfig: registryEntries.authConfig,
    })
    .from(registryEntries)
    .where(and(eq(registryEntries.id, entryId), usableEntries(tenantId)));
  if (!entry) throw passthroughRefusal('is not a server of this workspace');
  if (entry.transport !== 'streamable_http' && entry.transport !== 'sse')
    throw passthroughRefusal('must be a remote (HTTP) server: a token travels in an HTTP header');
  if (entry.authKind !== 'oauth_passthrough')
    throw passthroughRefusal('the server\'s authentication must be "OAuth pass-through"');
  if (!entry.authConfig.authorizationServer)
    throw passthroughRefusal("the server's entry must name its authorization server (its issuer)");
}

/** A gateway switching to pass-through must expose nothing by assignment first. */
export async function requireNoAssignments(db: Database, tenantId: string, gatewayId: string): Promise<void> {
  const [row] = await db
    .select({ n: count() })
    .from(gatewayToolAssignments)
    .where(
      and(eq(gatewayToolAssignments.tenantId, tenantId), eq(gatewayToolAssignments.gatewayId, gatewayId)),
    );
  if ((row?.n ?? 0) > 0)
    throw new AppError(
      'INVALID',
      'clientAuthMethods: remove the tools assigned to this gateway before making it pass-through',
      { fields: [{ path: 'clientAuthMethods', message: 'remove its tool assignments first' }] },
    );
}
