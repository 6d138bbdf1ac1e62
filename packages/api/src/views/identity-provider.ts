import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { gateways, identityProviders } from '@toolgate/db/schema';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { idpUrlIssue } from '../identity-provider-urls.ts';
import { toIso } from '../schemas/common.ts';
import type { IdentityProvider } from '../schemas/identity-providers.ts';
import type { FieldIssue } from '../validation.ts';

type IdentityProviderRow = typeof identityProviders.$inferSelect;
export type GatewayRef = { id: string; slug: string; name: string };

/** The tenant's gateways that name one of these identity providers, by provider id. */
export async function gatewaysUsing(
  db: Executor,
  tenantId: string,
  idpIds: readonly string[],
): Promise<Map<string, GatewayRef[]>> {
  const byIdp = new Map<string, GatewayRef[]>();
  if (idpIds.length === 0) return byIdp;
  const rows = await db
    .select({ id: gateways.id, slug: gateways.slug, name: gateways.name, idp: gateways.identityProviderId })
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenantId), inArray(gateways.identityProviderId, [...idpIds])))
    .orderBy(asc(gateways.name));
  for (const { idp, ...ref } of rows) byIdp.set(idp!, [...(byIdp.get(idp!) ?? []), ref]);
  return byIdp;
}

export async function loadIdentityProviderViews(
  db: Database,
  tenantId: string,
  rows: IdentityProviderRow[],
): Promise<IdentityProvider[]> {
  const using = await gatewaysUsing(
    db,
    tenantId,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    jwksUri: row.jwksUri,
    audience: row.audience,
    userClaim: row.userClaim,
    groupsClaim: row.groupsClaim,
    trustIdJag: row.trustIdJag,
    enabled: row.enabled,
    gateways: using.get(row.id) ?? [],
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  }));
}

/** One identity provider of the tenant; another tenant's id is simply NOT_FOUND. */
export async function findIdentityProviderRow(
  db: Database,
  tenantId: string,
  id: string,
): Promise<IdentityProviderRow> {
  const [row] = await db
    .select()
    .from(identityProviders)
    .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.id, id)));
  if (!row) throw new AppError('NOT_FOUND', 'Identity provider not found');
  return row;
}

/** The issuer and JWKS URL must be reachable under the operator's SSRF rule. */
export function requireIdpUrls(urls: { issuer?: string; jwksUri?: string }, allowPrivate: boolean): void {
  const fields: FieldIssue[] = [];
  for (const path of ['issuer', 'jwksUri'] as const) {
    const value = urls[path];
    const message = value === undefined ? undefined : idpUrlIssue(value, allowPrivate);
    if (message) fields.push({ path, message });
  }
  if (fields.length > 0)
    throw new AppError('INVALID', fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
}

/** Issuers are unique per tenant: a token's `iss` must name one provider. */
export const issuerTaken = (issuer: string): AppError =>
  new AppError('CONFLICT', `An identity provider with issuer "${issuer}" already exists`, {
    fields: [{ path: 'issuer', message: 'is already used by another identity provider' }],
  });
