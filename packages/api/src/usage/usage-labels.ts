import type { Database } from '@toolgate/db/client';
import { apiTokens, gateways, installations, memberships, oauthClients, users } from '@toolgate/db/schema';
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { UUID_PATTERN } from '../schemas/common.ts';
import type { UsageRef } from '../schemas/usage.ts';

/** Names for the ids usage mentions; ids of deleted objects keep a readable stand-in. */
export interface UsageLabels {
  gateway(id: string | null | undefined): UsageRef | null;
  server(id: string | null | undefined): UsageRef | null;
  caller(id: string | null | undefined): UsageRef | null;
  /** An OAuth client id is labelled with the client's name; a declared client name is itself. */
  agent(id: string | null | undefined): UsageRef | null;
}

const uuids = (ids: Iterable<string | null | undefined>): string[] => [
  ...new Set(
    [...ids].filter((id): id is string => !!id && UUID_PATTERN.test(id)).map((id) => id.toLowerCase()),
  ),
];

/** `token:<uuid>` → ["token", uuid]; anything else → null. */
function splitPrincipal(principalId: string): [string, string] | null {
  const colon = principalId.indexOf(':');
  if (colon <= 0) return null;
  const id = principalId.slice(colon + 1);
  return UUID_PATTERN.test(id) ? [principalId.slice(0, colon), id.toLowerCase()] : null;
}

/**
 * Looks up, in this tenant only, the gateways, servers (installations), callers (token names,
 * user emails) and agents (OAuth client names) that a page of usage mentions: one query per
 * kind, whatever the page size.
 */
export async function loadUsageLabels(
  db: Database,
  tenantId: string,
  ids: {
    gateways?: Iterable<string | null | undefined>;
    servers?: Iterable<string | null | undefined>;
    callers?: Iterable<string | null | undefined>;
    agents?: Iterable<string | null | undefined>;
  },
): Promise<UsageLabels> {
  const agentIds = [...new Set([...(ids.agents ?? [])].filter((a): a is string => !!a))];
  const gatewayIds = uuids(ids.gateways ?? []);
  const serverIds = uuids(ids.servers ?? []);
  const principals = [...new Set([...(ids.callers ?? [])].filter((p): p is string => !!p))];
  const tokenIds = uuids(
    principals
      .map((p) => splitPrincipal(p))
      .filter((p) => p?.[0] === 'token')
      .map((p) => p![1]),
  );
  const userIds = uuids(
    principals
      .map((p) => splitPrincipal(p))
      .filter((p) => p?.[0] === 'user')
      .map((p) => p![1]),
  );

  const [gatewayRows, serverRows, tokenRows, userRows, clientRows] = await Promise.all([
    gatewayIds.length === 0
      ? []
      : db
          .select({ id: gateways.id, name: gateways.name })
          .from(gateways)
          .where(and(eq(gateways.tenantId, tenantId), inArray(gateways.id, gatewayIds))),
    serverIds.length === 0
      ? []
      : db
          .select({ id: installations.id, name: installations.name })
          .from(installations)
          .where(and(eq(installations.tenantId, tenantId), inArray(installations.id, serverIds))),
    tokenIds.length === 0
      ? []
      : db
          .select({ id: apiTokens.id, name: apiTokens.name })
          .from(apiTokens)
          .where(and(eq(apiTokens.tenantId, tenantId), inArray(apiTokens.id, tokenIds))),
    userIds.length === 0
      ? []
      : db
          .select({ id: users.id, email: users.email })
          .from(users)
          .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.tenantId, tenantId)))
          .where(inArray(users.id, userIds)),
    // Registered (DCR) and metadata-document clients belong to no tenant; pre-registered ones to one.
    agentIds.length === 0
      ? []
      : db
          .select({ clientId: oauthClients.clientId, name: oauthClients.name })
          .from(oauthClients)
          .where(
            and(
              inArray(oauthClients.clientId, agentIds),
              or(isNull(oauthClients.tenantId), eq(oauthClients.tenantId, tenantId)),
            ),
          ),
  ]);
  const gatewayNames = new Map(gatewayRows.map((r) => [r.id, r.name]));
  const serverNames = new Map(serverRows.map((r) => [r.id, r.name]));
  const tokenNames = new Map(tokenRows.map((r) => [r.id, r.name]));
  const userEmails = new Map(userRows.map((r) => [r.id, r.email]));
  const clientNames = new Map(clientRows.map((r) => [r.clientId, r.name]));

  return {
    gateway: (id) => (id ? { id, label: gatewayNames.get(id.toLowerCase()) ?? 'Deleted gateway' } : null),
    server: (id) => (id ? { id, label: serverNames.get(id.toLowerCase()) ?? 'Deleted server' } : null),
    caller(id) {
      if (!id) return null;
      const parts = splitPrincipal(id);
      if (parts?.[0] === 'token') {
        const name = tokenNames.get(parts[1]);
        return { id, label: name ?? 'Deleted token' };
      }
      if (parts?.[0] === 'user') return { id, label: userEmails.get(parts[1]) ?? 'Former member' };
      return { id, label: id };
    },
    agent: (id) => (id ? { id, label: clientNames.get(id) || id } : null),
  };
}
