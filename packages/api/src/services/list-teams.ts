import type { Database } from '@toolgate/db/client';
import { listTenantTeams } from '@toolgate/db/tenancy';
import type { Team } from '../schemas/teams.ts';

export async function listTeams(db: Database, { tenantId }: { tenantId: string }): Promise<Team[]> {
  return listTenantTeams(db, tenantId);
}
