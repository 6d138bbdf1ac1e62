import type { Database } from '@toolgate/db/client';
import { countTenantMembers, countTenantTeams } from '@toolgate/db/tenancy';

export interface WorkspaceStats {
  members: number;
  teams: number;
}

export async function getWorkspaceStats(
  db: Database,
  { tenantId }: { tenantId: string },
): Promise<WorkspaceStats> {
  const [members, teams] = await Promise.all([
    countTenantMembers(db, tenantId),
    countTenantTeams(db, tenantId),
  ]);
  return { members, teams };
}
