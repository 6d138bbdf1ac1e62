import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import type { Policy } from '../schemas/policies.ts';
import { findPolicyRow, loadPolicyViews } from '../views/policy.ts';

export interface GetPolicyOptions {
  db: Database;
  tenantId: string;
  /** Any member may read a policy. */
  actor: Actor;
  policyId: string;
}

/** One policy with its gateways; another tenant's is NOT_FOUND. */
export async function getPolicy({ db, tenantId, policyId }: GetPolicyOptions): Promise<Policy> {
  const row = await findPolicyRow(db, tenantId, policyId);
  const [view] = await loadPolicyViews(db, tenantId, [row]);
  return view!;
}
