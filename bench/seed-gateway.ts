import { randomUUID } from 'node:crypto';
import { issuerFrom, SCOPE_READ, SCOPE_TOOLS } from '@toolgate/auth/constants';
import { signAccessToken } from '@toolgate/auth/signing-keys';
import type { KeyRing } from '@toolgate/core/crypto';
import type { LimitOverrides } from '@toolgate/core/plans';
import { checkPolicyCondition } from '@toolgate/core/policy';
import { guardrails } from '@toolgate/db/schema';
import type { TestDatabase } from '@toolgate/db/testing';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedPolicy,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import type { BenchEnv } from './env.ts';
import { TENANT_GUARDRAILS, TENANT_POLICIES } from './policy-sets.ts';

export type UpstreamSpec = { url: string } | { command: string; args: string[] };

/** How the load authenticates to the gateway. */
export type BenchAuth =
  | { kind: 'api_token' }
  | {
      kind: 'oauth';
      /** The gateway's TOOLGATE_SECRET_KEYS: seals the signing key row stored in the bench database. */
      ring: KeyRing;
      /** The gateway process's PUBLIC_MCP_URL and PUBLIC_WEB_URL (`aud` and `iss`). */
      publicMcpUrl: string;
      publicWebUrl: string;
    };

export interface SeededGateway {
  /** Path of the gateway's MCP endpoint on any proxy. */
  path: string;
  /** The bearer credential: an org API token, or an OAuth access token of a tenant member. */
  token: string;
  /** The echo tool's name as the gateway lists it (the listing gateway: its first tool's). */
  tool: string;
  tenantId: string;
}

const ENTRY_SLUG = 'everything';
const LIST_ENTRY_SLUG = 'many';
/** Outlives any run: the proxy re-verifies a token at most once a minute, whatever its TTL. */
const ACCESS_TOKEN_TTL_SECONDS = 24 * 3600;

/**
 * What the control plane would have stored: a tenant with a registry entry for the upstream, an
 * org installation with the tools discovery found, a gateway exposing `echo`, and a credential:
 * an org API token, or (oauth) a member and an access token the authorization server would have
 * issued to them for this gateway. The gateway accepts only that one method. With `governance`
 * (BENCH_GOVERNANCE) other than `off`, the tenant also has the benchmark's policies (and guardrails);
 * with `limits` (BENCH_LIMITS), the tenant row has those `limit_overrides`.
 */
export async function seedEchoGateway(
  db: TestDatabase,
  upstream: UpstreamSpec,
  discoveredTools: DiscoveredTool[],
  auth: BenchAuth,
  governance: Governance = 'off',
  limits?: LimitOverrides,
): Promise<SeededGateway> {
  return seedGatewayWith(
    db,
    {
      entrySlug: ENTRY_SLUG,
      gatewaySlug: limits ? 'limited' : governance === 'off' ? 'bench' : 'governed',
      upstream,
      discoveredTools,
      expose: ['echo'],
      governance,
      limits,
    },
    auth,
  );
}

export type Governance = BenchEnv['BENCH_GOVERNANCE'];

/** What BENCH_GOVERNANCE seeds, for the report's title. */
export function describeGovernance(governance: Governance): string {
  const policies = `${TENANT_POLICIES.length} policies`;
  if (governance === 'policies') return policies;
  return `${policies}, ${TENANT_GUARDRAILS.length} guardrails (${TENANT_GUARDRAILS.map(
    (g) => `${g.action} ${g.detectors.join('/')}`,
  ).join('; ')})`;
}

/**
 * The tenant's policies (and with `full` its guardrails), workspace-wide (every gateway of the
 * tenant), enabled, stored as the control plane stores them; each condition is checked first as
 * the control plane checks it when saved.
 */
async function seedGovernance(db: TestDatabase, tenantId: string, governance: Governance): Promise<void> {
  if (governance === 'off') return;
  for (const p of TENANT_POLICIES) {
    const check = checkPolicyCondition(p.condition);
    if (!check.ok) throw new Error(`bench policy "${p.name}": ${check.message}`);
    await seedPolicy(db.db, tenantId, {
      name: p.name,
      priority: p.priority,
      action: p.action,
      condition: p.condition,
      message: p.message,
      ...(p.approvers ? { approvers: p.approvers } : {}),
    });
  }
  if (governance !== 'full') return;
  await db.db.insert(guardrails).values(
    TENANT_GUARDRAILS.map((g) => ({
      tenantId,
      name: g.name,
      direction: g.direction,
      detectors: g.detectors,
      action: g.action,
    })),
  );
}

/** The same for the listing fixture: a gateway exposing every tool it has (1,000 by default). */
export async function seedListGateway(
  db: TestDatabase,
  upstream: UpstreamSpec,
  discoveredTools: DiscoveredTool[],
  auth: BenchAuth,
): Promise<SeededGateway> {
  return seedGatewayWith(
    db,
    {
      entrySlug: LIST_ENTRY_SLUG,
      gatewaySlug: 'list',
      upstream,
      discoveredTools,
      expose: discoveredTools.map((t) => t.name),
    },
    auth,
  );
}

export type DiscoveredTool = { name: string; description?: string; inputSchema?: Record<string, unknown> };

async function seedGatewayWith(
  db: TestDatabase,
  spec: {
    entrySlug: string;
    gatewaySlug: string;
    upstream: UpstreamSpec;
    discoveredTools: DiscoveredTool[];
    /** Tools the gateway exposes; the first is `tool` in the result. */
    expose: string[];
    governance?: Governance;
    /** The tenant's limit overrides (absent: none, so the tenant has no traffic limit). */
    limits?: LimitOverrides;
  },
  auth: BenchAuth,
): Promise<SeededGateway> {
  const { upstream } = spec;
  const tenant = await seedTenant(db.db, spec.limits ? { limitOverrides: spec.limits } : {});
  const entry = await seedRegistryEntry(
    db.db,
    tenant.id,
    'url' in upstream
      ? { slug: spec.entrySlug, transport: 'streamable_http', url: upstream.url }
      : {
          slug: spec.entrySlug,
          transport: 'stdio',
          url: null,
          command: upstream.command,
          args: upstream.args,
        },
  );
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await seedTools(db.db, tenant.id, installation.id, spec.discoveredTools);
  const gateway = await seedGateway(db.db, tenant.id, {
    slug: spec.gatewaySlug,
    clientAuthMethods: [auth.kind],
  });
  await seedAssignments(
    db.db,
    tenant.id,
    gateway.id,
    spec.expose.map((toolName) => ({ registryEntryId: entry.id, toolName })),
  );
  await seedGovernance(db, tenant.id, spec.governance ?? 'off');
  const path = `/mcp/${tenant.slug}/${gateway.slug}`;
  const tool = `${spec.entrySlug}__${spec.expose[0]}`;
  if (auth.kind === 'api_token') {
    const { token } = await seedApiToken(db.db, tenant.id);
    return { path, token, tool, tenantId: tenant.id };
  }
  const user = await seedMember(db.db, tenant.id);
  const { token } = await signAccessToken(db.db, auth.ring, {
    iss: issuerFrom(auth.publicWebUrl),
    sub: user.id,
    // The proxy's resource URL for a path route: PUBLIC_MCP_URL (no trailing slash) + path.
    aud: auth.publicMcpUrl.replace(/\/+$/, '') + path,
    jti: randomUUID(),
    client_id: 'toolgate-bench',
    scope: `${SCOPE_TOOLS} ${SCOPE_READ}`,
    tid: tenant.id,
    gid: gateway.id,
    ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
  });
  return { path, token, tool, tenantId: tenant.id };
}
