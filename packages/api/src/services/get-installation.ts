import type { Database } from '@toolgate/db/client';
import { gateways, gatewayToolAssignments } from '@toolgate/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { findVisibleInstallation } from '../installation-access.ts';
import type { InstallationDetail } from '../schemas/installations.ts';
import { toInstallation } from '../views/rows.ts';
import { installationTools } from './list-installation-tools.ts';

export interface GetInstallationOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  installationId: string;
}

/** One installation the caller can see, with its tools and the gateways pinned to it. */
export async function getInstallation({
  db,
  tenantId,
  actor,
  installationId,
}: GetInstallationOptions): Promise<InstallationDetail> {
  const row = await findVisibleInstallation(db, tenantId, actor, installationId);
  const [toolList, pinnedBy] = await Promise.all([
    installationTools(db, tenantId, installationId),
    pinningGateways(db, tenantId, installationId),
  ]);
  return { installation: toInstallation(row), tools: toolList, pinnedBy };
}

/** Gateways of the tenant with at least one assignment pinned to this installation. */
export function pinningGateways(
  db: Pick<Database, 'selectDistinct'>,
  tenantId: string,
  installationId: string,
): Promise<{ id: string; slug: string; name: string }[]> {
  return db
    .selectDistinct({ id: gateways.id, slug: gateways.slug, name: gateways.name })
    .from(gatewayToolAssignments)
    .innerJoin(gateways, eq(gateways.id, gatewayToolAssignments.gatewayId))
    .where(
      and(
        eq(gatewayToolAssignments.tenantId, tenantId),
        eq(gateways.tenantId, tenantId),
        eq(gatewayToolAssignments.installationId, installationId),
      ),
    )
    .orderBy(asc(gateways.slug));
}
