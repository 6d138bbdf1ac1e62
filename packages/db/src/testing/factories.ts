import { createHash, randomBytes } from 'node:crypto';
import { generateApiToken } from '@toolgate/core/api-token';
import type { Database } from '../client.ts';
import {
  apiTokens,
  approvalRequests,
  gateways,
  gatewayToolAssignments,
  installations,
  memberships,
  policies,
  policyGateways,
  registryEntries,
  teamMembers,
  teams,
  tenants,
  tools,
  users,
  type MemberRole,
} from '../schema/index.ts';

/** Seed factories: random slugs so tests never collide, explicit overrides for what matters. */
export const randomSlug = (prefix = 't') => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function seedTenant(db: Database, overrides: Partial<typeof tenants.$inferInsert> = {}) {
  const slug = overrides.slug ?? randomSlug('tenant');
  const [row] = await db
    .insert(tenants)
    .values({ slug, name: slug, ...overrides })
    .returning();
  return row!;
}

/** A user whose address is verified, unless `emailVerifiedAt: null` asks for one who just signed up. */
export async function seedUser(db: Database, overrides: Partial<typeof users.$inferInsert> = {}) {
  const [row] = await db
    .insert(users)
    .values({ email: `${randomSlug('user')}@example.test`, emailVerifiedAt: new Date(), ...overrides })
    .returning();
  return row!;
}

export async function seedMember(db: Database, tenantId: string, role: MemberRole = 'member') {
  const user = await seedUser(db);
  await db.insert(memberships).values({ tenantId, userId: user.id, role });
  return user;
}

export async function seedTeam(db: Database, tenantId: string, memberIds: string[] = []) {
  const slug = randomSlug('team');
  const [team] = await db.insert(teams).values({ tenantId, slug, name: slug }).returning();
  if (memberIds.length > 0) {
    await db.insert(teamMembers).values(memberIds.map((userId) => ({ tenantId, teamId: team!.id, userId })));
  }
  return team!;
}

export async function seedRegistryEntry(
  db: Database,
  tenantId: string | null,
  overrides: Partial<typeof registryEntries.$inferInsert> = {},
) {
  const slug = overrides.slug ?? randomSlug('srv');
  const [row] = await db
    .insert(registryEntries)
    .values({
      tenantId,
      slug,
      name: slug,
      transport: 'streamable_http',
      url: 'http://127.0.0.1:1/mcp',
      ...overrides,
    })
    .returning();
  return row!;
}

export async function seedInstallation(
  db: Database,
  tenantId: string,
  registryEntryId: string,
  overrides: Partial<typeof installations.$inferInsert> = {},
) {
  const [row] = await db
    .insert(installations)
    .values({
      tenantId,
      registryEntryId,
      name: randomSlug('inst'),
      scope: 'org',
      status: 'ready',
      ...overrides,
    })
    .returning();
  return row!;
}

/** Tools as discovery would record them. */
export async function seedTools(
  db: Database,
  tenantId: string,
  installationId: string,
  defs: {
    name: string;
    description?: string;
    inputSchema?: Record<string, unknown>;
    annotations?: Record<string, unknown>;
    meta?: Record<string, unknown>;
    execution?: Record<string, unknown>;
    labels?: string[];
    /** Default true: approved as listed (as auto-approval records new tools); false: waits as a new tool. */
    approved?: boolean;
  }[],
) {
  if (defs.length === 0) return [];
  return db
    .insert(tools)
    .values(
      defs.map(({ approved = true, ...d }) => {
        const schemaHash = createHash('sha256').update(JSON.stringify(d)).digest('hex');
        const definition = {
          title: null,
          description: d.description ?? '',
          inputSchema: d.inputSchema ?? { type: 'object' },
          outputSchema: null,
          annotations: d.annotations ?? null,
          meta: d.meta ?? null,
          execution: d.execution ?? null,
        };
        return {
          tenantId,
          installationId,
          name: d.name,
          description: definition.description,
          inputSchema: definition.inputSchema,
          annotations: d.annotations,
          meta: d.meta,
          execution: d.execution,
          labels: d.labels,
          schemaHash,
          ...(approved
            ? { approvedHash: schemaHash, approvedDefinition: definition }
            : { pendingSince: new Date() }),
        };
      }),
    )
    .returning();
}

export async function seedGateway(
  db: Database,
  tenantId: string,
  overrides: Partial<typeof gateways.$inferInsert> = {},
) {
  const slug = overrides.slug ?? randomSlug('gw');
  const [row] = await db
    .insert(gateways)
    .values({ tenantId, slug, name: slug, clientAuthMethods: ['api_token'], ...overrides })
    .returning();
  return row!;
}

export async function seedAssignments(
  db: Database,
  tenantId: string,
  gatewayId: string,
  rows: {
    registryEntryId: string;
    kind?: 'tool' | 'prompt' | 'resources';
    toolName: string;
    installationId?: string | null;
    alias?: string | null;
  }[],
) {
  if (rows.length === 0) return [];
  return db
    .insert(gatewayToolAssignments)
    .values(rows.map((r) => ({ tenantId, gatewayId, ...r })))
    .returning();
}

/** An API token; returns the plaintext once, like the product does. */
export async function seedApiToken(
  db: Database,
  tenantId: string,
  overrides: Partial<typeof apiTokens.$inferInsert> = {},
) {
  const token = generateApiToken();
  const [row] = await db
    .insert(apiTokens)
    .values({
      tenantId,
      name: 'test token',
      tokenHash: token.hash,
      displayPrefix: token.displayPrefix,
      scope: 'org',
      capabilities: ['mcp'],
      ...overrides,
    })
    .returning();
  return { ...row!, token: token.token };
}

/**
 * A policy as the control plane stores it (no condition check: tests of the checker go through
 * the service). `gatewayIds` absent = every gateway of the tenant.
 */
export async function seedPolicy(
  db: Database,
  tenantId: string,
  overrides: Partial<Omit<typeof policies.$inferInsert, 'allGateways'>> & { gatewayIds?: string[] } = {},
) {
  const { gatewayIds, ...columns } = overrides;
  const [row] = await db
    .insert(policies)
    .values({
      tenantId,
      name: randomSlug('policy'),
      condition: 'true',
      action: 'deny',
      ...columns,
      allGateways: gatewayIds === undefined,
    })
    .returning();
  if (gatewayIds && gatewayIds.length > 0)
    await db
      .insert(policyGateways)
      .values(gatewayIds.map((gatewayId) => ({ tenantId, policyId: row!.id, gatewayId })));
  return row!;
}

/**
 * A pending approval request (as the proxy stores one) for `gatewayId`, admins approving unless
 * overridden; `args` is stored as given (tests pass harmless values), the hash made up.
 */
export async function seedApprovalRequest(
  db: Database,
  tenantId: string,
  gatewayId: string,
  overrides: Partial<typeof approvalRequests.$inferInsert> = {},
) {
  const [row] = await db
    .insert(approvalRequests)
    .values({
      tenantId,
      gatewayId,
      policyName: randomSlug('policy'),
      toolName: randomSlug('srv') + '__send',
      args: {},
      argsHash: randomBytes(32).toString('hex'),
      principalId: `token:${randomBytes(8).toString('hex')}`,
      approvers: 'admins',
      expiresAt: new Date(Date.now() + 24 * 3_600_000),
      ...overrides,
    })
    .returning();
  return row!;
}
