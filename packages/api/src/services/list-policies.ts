import type { Database } from '@toolgate/db/client';
import { policies } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import type { Policy } from '../schemas/policies.ts';
import { loadPolicyViews } from '../views/policy.ts';

export interface ListPoliciesOptions {
  db: Database;
  tenantId: string;
  /** Any member may read the workspace's policies (the rules their calls are held to). */
  actor: Actor;
}

/** The workspace's policies in evaluation order: priority descending, then name, then id. */
export async function listPolicies({ db, tenantId }: ListPoliciesOptions): Promise<Policy[]> {
  const rows = await db.select().from(policies).where(eq(policies.tenantId, tenantId));
  return loadPolicyViews(db, tenantId, rows);
}
