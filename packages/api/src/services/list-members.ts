import type { Database } from '@toolgate/db/client';
import { listTenantMembers } from '@toolgate/db/tenancy';
import type { Member } from '../schemas/members.ts';

export async function listMembers(db: Database, { tenantId }: { tenantId: string }): Promise<Member[]> {
  return listTenantMembers(db, tenantId);
}
