import { compileGatewaySnapshot, type GatewaySnapshot } from '@toolgate/core/snapshot';
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Database } from './client.ts';
import { concurrently } from './concurrently.ts';
import {
  gatewayTeams,
  gateways,
  gatewayToolAssignments,
  guardrailGateways,
  guardrails,
  identityProviders,
  installations,
  policies,
  policyGateways,
  registryEntries,
  storedApprovers,
  teams,
  tenants,
  tools,
} from './schema/index.ts';

/**
 * `configVersion` is the tenant's configuration version read with the rest: a proxy that has
 * heard of a later change knows a copy compiled from this is stale.
 */
export type SnapshotLoad =
  | { kind: 'found'; snapshot: GatewaySnapshot; configVersion: number }
  | { kind: 'missing'; what: 'tenant' | 'gateway'; tenantId?: string; configVersion: number };

/**
 * Reads everything a gateway serves and compiles it. Runs on a snapshot cache miss only; every
 * query is scoped to the tenant.
 */
export async function loadGatewaySnapshot(
  db: Database,
  tenantSlug: string,
  gatewaySlug: string,
): Promise<SnapshotLoad> {
  const [tenant] = await db
    .select({
      id: tenants.id,
      slug: tenants.slug,
      settings: tenants.settings,
      configVersion: tenants.configVersion,
      plan: tenants.plan,
      limitOverrides: tenants.limitOverrides,
    })
    .from(tenants)
    .where(and(eq(tenants.slug, tenantSlug), isNull(tenants.deletedAt)));
  if (!tenant) return { kind: 'missing', what: 'tenant', configVersion: 0 };
  const { configVersion } = tenant;
  const [gateway] = await db
    .select()
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenant.id), eq(gateways.slug, gatewaySlug)));
  if (!gateway) return { kind: 'missing', what: 'gateway', tenantId: tenant.id, configVersion };

  const [teamRows, assignmentRows, idpRows, policyRows, guardrailRows] = await concurrently(db, [
    () =>
      db
        .select({ teamId: gatewayTeams.teamId })
        .from(gatewayTeams)
        .where(and(eq(gatewayTeams.tenantId, tenant.id), eq(gatewayTeams.gatewayId, gateway.id))),
    () =>
      db
        .select()
        .from(gatewayToolAssignments)
        .where(
          and(
            eq(gatewayToolAssignments.tenantId, tenant.id),
            eq(gatewayToolAssignments.gatewayId, gateway.id),
          ),
        ),
    () =>
      gateway.identityProviderId
        ? db
            .select({
              id: identityProviders.id,
              issuer: identityProviders.issuer,
              jwksUri: identityProviders.jwksUri,
              audience: identityProviders.audience,
              userClaim: identityProviders.userClaim,
              groupsClaim: identityProviders.groupsClaim,
              enabled: identityProviders.enabled,
            })
            .from(identityProviders)
            .where(
              and(
                eq(identityProviders.tenantId, tenant.id),
                eq(identityProviders.id, gateway.identityProviderId),
              ),
            )
        : Promise.resolve([]),
    // Enabled policies for every gateway of the tenant, and those naming this one.
    () =>
      db
        .select({
          id: policies.id,
          name: policies.name,
          priority: policies.priority,
          action: policies.action,
          condition: policies.condition,
          message: policies.message,
          approvers: policies.approvers,
          approverTeamId: policies.approverTeamId,
        })
        .from(policies)
        .where(
          and(
            eq(policies.tenantId, tenant.id),
            eq(policies.enabled, true),
            or(
              eq(policies.allGateways, true),
              inArray(
                policies.id,
                db
                  .select({ id: policyGateways.policyId })
                  .from(policyGateways)
                  .where(
                    and(eq(policyGateways.tenantId, tenant.id), eq(policyGateways.gatewayId, gateway.id)),
                  ),
              ),
            ),
          ),
        ),
    // Enabled guardrails, chosen as policies are.
    () =>
      db
        .select({
          id: guardrails.id,
          name: guardrails.name,
          direction: guardrails.direction,
          detectors: guardrails.detectors,
          patterns: guardrails.patterns,
          action: guardrails.action,
          externalUrl: guardrails.externalUrl,
          externalSecretSealed: guardrails.externalSecretSealed,
          externalTimeoutMs: guardrails.externalTimeoutMs,
          externalFailMode: guardrails.externalFailMode,
        })
        .from(guardrails)
        .where(
          and(
            eq(guardrails.tenantId, tenant.id),
            eq(guardrails.enabled, true),
            or(
              eq(guardrails.allGateways, true),
              inArray(
                guardrails.id,
                db
                  .select({ id: guardrailGateways.guardrailId })
                  .from(guardrailGateways)
                  .where(
                    and(
                      eq(guardrailGateways.tenantId, tenant.id),
                      eq(guardrailGateways.gatewayId, gateway.id),
                    ),
                  ),
              ),
            ),
          ),
        ),
  ]);
  const [identityProvider] = idpRows;
  const entryIds = [
    ...new Set([
      ...assignmentRows.map((a) => a.registryEntryId),
      ...(gateway.passthroughEntryId ? [gateway.passthroughEntryId] : []),
    ]),
  ];
  const entryRows =
    entryIds.length === 0
      ? []
      : await db
          .select()
          .from(registryEntries)
          .where(
            and(
              inArray(registryEntries.id, entryIds),
              or(eq(registryEntries.tenantId, tenant.id), isNull(registryEntries.tenantId)),
            ),
          );
  const installationRows =
    entryIds.length === 0
      ? []
      : await db
          .select()
          .from(installations)
          .where(
            and(eq(installations.tenantId, tenant.id), inArray(installations.registryEntryId, entryIds)),
          );
  const installationIds = installationRows.map((i) => i.id);
  const toolRows =
    installationIds.length === 0
      ? []
      : await db
          .select()
          .from(tools)
          .where(
            and(
              eq(tools.tenantId, tenant.id),
              inArray(tools.installationId, installationIds),
              // Vanished tools keep their row (and approval) but are not served.
              isNull(tools.vanishedAt),
            ),
          );

  // Policies read the caller's teams by slug.
  const teamSlugRows =
    policyRows.length === 0
      ? []
      : await db.select({ id: teams.id, slug: teams.slug }).from(teams).where(eq(teams.tenantId, tenant.id));
  const entryById = new Map(entryRows.map((e) => [e.id, e]));
  const snapshot = compileGatewaySnapshot({
    tenant: {
      id: tenant.id,
      slug: tenant.slug,
      ...(identityProvider ? { allowJitUsers: tenant.settings.allowJitUsers === true } : {}),
      // Raw: each proxy resolves the plan against its own plans configuration.
      ...(tenant.plan !== null ? { plan: tenant.plan } : {}),
      ...(Object.keys(tenant.limitOverrides).length > 0 ? { limitOverrides: tenant.limitOverrides } : {}),
    },
    identityProvider: identityProvider ?? null,
    gateway: {
      id: gateway.id,
      slug: gateway.slug,
      name: gateway.name,
      description: gateway.description,
      visibility: gateway.visibility,
      teamIds: teamRows.map((t) => t.teamId),
      clientAuthMethods: gateway.clientAuthMethods,
      headerAllowlist: gateway.headerAllowlist,
      toolExposure: gateway.toolExposure,
      passthroughEntryId: gateway.passthroughEntryId,
    },
    assignments: assignmentRows.map((a) => ({
      kind: a.kind,
      entryId: a.registryEntryId,
      toolName: a.toolName,
      installationId: a.installationId,
      alias: a.alias,
      descriptionOverride: a.descriptionOverride,
    })),
    upstreams: entryRows.map((e) => ({
      entryId: e.id,
      slug: e.slug,
      name: e.name,
      transport: e.transport,
      url: e.url,
      command: e.command,
      args: e.args,
      env: e.env,
      authKind: e.authKind,
      authConfig: {
        headerName: e.authConfig.headerName,
        valuePrefix: e.authConfig.valuePrefix,
        ...(e.authKind === 'oauth_passthrough'
          ? { authorizationServer: e.authConfig.authorizationServer, scopes: e.authConfig.scopes }
          : {}),
        ...(e.authKind === 'token_exchange' || e.authKind === 'id_jag'
          ? {
              tokenEndpoint: e.authConfig.tokenEndpoint,
              audience: e.authConfig.audience,
              scopes: e.authConfig.scopes,
              authorizationServer: e.authConfig.authorizationServer,
            }
          : {}),
      },
      installFields: e.installFields.map((f) => ({
        key: f.key,
        secret: f.secret,
        required: f.required,
        target: f.target,
      })),
    })),
    installations: installationRows.map((i) => ({
      id: i.id,
      entryId: i.registryEntryId,
      name: i.name,
      scope: i.scope,
      teamId: i.teamId,
      userId: i.userId,
      config: i.config,
      credentialsSealed: i.credentialsSealed,
      enabled: i.enabled,
      ...packagedVersions(i, entryById.get(i.registryEntryId)),
    })),
    tools: toolRows.map((t) => ({
      installationId: t.installationId,
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema ?? null,
      annotations: t.annotations ?? null,
      meta: t.meta ?? null,
      execution: t.execution ?? null,
      enabled: t.enabled,
      labels: t.labels,
      callsPerMinute: t.callsPerMinute,
      // Definition pinning: clients are served the approved definition (none: not served).
      approved: t.approvedDefinition,
      changePending: t.pendingSince !== null && t.rejectedHash !== t.schemaHash,
    })),
    onToolChange: tenant.settings.onToolChange === 'disable' ? 'disable' : 'serve_approved',
    // The built-in catalog is shared by every tenant: only the tenant's own entries carry labels.
    entryToolLabels: Object.fromEntries(
      entryRows.filter((e) => e.tenantId === tenant.id).map((e) => [e.id, e.toolLabels]),
    ),
    policies: policyRows.map(({ approvers: kind, approverTeamId, ...p }) => {
      const approvers = storedApprovers({ action: p.action, approvers: kind, approverTeamId });
      return approvers ? { ...p, approvers } : p;
    }),
    teamSlugs: Object.fromEntries(teamSlugRows.map((t) => [t.id, t.slug])),
    guardrails: guardrailRows.map(
      ({ externalUrl, externalSecretSealed, externalTimeoutMs, externalFailMode, ...g }) =>
        // An endpoint is called only with its secret: a URL without one (never stored so) is left out.
        externalUrl && externalSecretSealed
          ? {
              ...g,
              external: {
                url: externalUrl,
                secretSealed: externalSecretSealed,
                timeoutMs: externalTimeoutMs,
                failMode: externalFailMode,
              },
            }
          : g,
    ),
  });
  return { kind: 'found', snapshot, configVersion };
}

/**
 * A packaged installation's stable version (pinned, else the entry's) and its canary; nothing for
 * other installations, whose snapshots stay as they were.
 */
function packagedVersions(
  installation: typeof installations.$inferSelect,
  entry: { package: string | null; version: string | null } | undefined,
): { version?: string; canary?: { version: string; percent: number } } {
  if (!entry?.package) return {};
  const version = installation.pinnedVersion ?? entry.version;
  const { canaryVersion, canaryPercent } = installation;
  return {
    ...(version ? { version } : {}),
    ...(canaryVersion && canaryPercent ? { canary: { version: canaryVersion, percent: canaryPercent } } : {}),
  };
}

/**
 * The gateways that accept an identity provider's JWTs: after the provider changes (issuer, keys
 * URL, audience, claims, enabled) or goes, pass them to `invalidateGateways` so proxies recompile.
 * A change of the tenant's `allowJitUsers` setting invalidates the whole tenant instead.
 */
export async function gatewaysUsingIdentityProvider(
  db: Database,
  tenantId: string,
  identityProviderId: string,
): Promise<{ id: string; slug: string }[]> {
  return db
    .select({ id: gateways.id, slug: gateways.slug })
    .from(gateways)
    .where(and(eq(gateways.tenantId, tenantId), eq(gateways.identityProviderId, identityProviderId)));
}
