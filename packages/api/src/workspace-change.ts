import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { gateways } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import type { Actor } from './actor.ts';
import type { Tx } from './workspace-lock.ts';

export interface WorkspaceOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
}

/** Every proxy drops what it holds of the workspace (its slug is in every cache key). */
export async function recordWorkspaceChange(tx: Tx, tenantId: string, tenantSlug: string, reason: string) {
  const all = await tx
    .select({ id: gateways.id, slug: gateways.slug })
    .from(gateways)
    .where(eq(gateways.tenantId, tenantId));
  return recordConfigChange(tx, { tenantId, reason, tenantWide: true, tenantSlug, gateways: all });
}
