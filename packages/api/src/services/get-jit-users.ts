import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import type { JitUsersSetting } from '../schemas/identity-providers.ts';

export interface GetJitUsersOptions {
  db: Database;
  tenantId: string;
}

/** Whether callers an identity provider vouches for become users on first sign-in (default: no). */
export async function getJitUsers({ db, tenantId }: GetJitUsersOptions): Promise<JitUsersSetting> {
  const [row] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return { allowJitUsers: row?.settings.allowJitUsers === true };
}
