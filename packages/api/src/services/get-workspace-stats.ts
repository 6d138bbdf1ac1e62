import type { Database } from '@toolgate/db/client';
import { apiTokens, gateways, installations } from '@toolgate/db/schema';
import { countTenantMembers, countTenantTeams } from '@toolgate/db/tenancy';
import { and, eq, isNull } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { visibleGateways } from '../gateway-access.ts';

export interface WorkspaceStats {
  members: number;
  teams: number;
  /** Installations of the workspace's servers. */
  servers: number;
  /** Gateways this actor can see. */
  gateways: number;
  /** Tokens not revoked. */
  tokens: number;
}

export async function getWorkspaceStats(
  db: Database,
  { tenantId, actor }: { tenantId: string; actor: Actor },
): Promise<WorkspaceStats> {
  const [members, teams, servers, gatewayCount, tokens] = await Promise.all([
    countTenantMembers(db, tenantId),
    countTenantTeams(db, tenantId),
    db.$count(installations, eq(installations.tenantId, tenantId)),
    visibleGateways(db, tenantId, actor).then((visible) => db.$count(gateways, visible)),
    db.$count(apiTokens, and(eq(apiTokens.tenantId, tenantId), isNull(apiTokens.revokedAt))),
  ]);
  return { members, teams, servers, gateways: gatewayCount, tokens };
}
