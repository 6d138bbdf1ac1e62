import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { gateways, tenants, type TenantSettings } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../../actor.ts';
import { deliverChanges, tenantSlugOf } from '../../invalidation.ts';
import { ZSetToolPinningSettingsRequest, type ToolPinningSettings } from '../../schemas/tool-changes.ts';
import { parseInput } from '../../validation.ts';
import { recordToolPinningSettingsChange } from './tool-change-audit.ts';

/** The workspace's choices, with the defaults for those never made. */
export const toolPinningOf = (settings: TenantSettings): ToolPinningSettings => ({
  autoApproveNewTools: settings.autoApproveNewTools !== false,
  onToolChange: settings.onToolChange === 'disable' ? 'disable' : 'serve_approved',
});

/** How the workspace pins tool definitions (every member may read it). */
export async function getToolPinningSettings({
  db,
  tenantId,
}: {
  db: Database;
  tenantId: string;
}): Promise<ToolPinningSettings> {
  const [row] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return toolPinningOf(row?.settings ?? {});
}

export interface SetToolPinningSettingsOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  /** ZSetToolPinningSettingsRequest: { autoApproveNewTools?, onToolChange? } */
  input: unknown;
}

/**
 * Changes how the workspace pins tool definitions (owners and admins). `autoApproveNewTools`
 * applies from the next discovery on (tools waiting now still wait); `onToolChange` applies at
 * once: every gateway is recompiled, switching tools with a waiting change off or back on. A
 * change is audited (`settings/tool-pinning`, before and after) with the save; one that changes
 * nothing is not.
 */
export async function setToolPinningSettings({
  db,
  bus,
  tenantId,
  actor,
  input,
}: SetToolPinningSettingsOptions): Promise<ToolPinningSettings> {
  requireAdmin(actor, 'change how tool definitions are pinned');
  const request = parseInput(ZSetToolPinningSettingsRequest, input);
  const patch = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const { recorded, settings } = await db.transaction(async (tx) => {
    // Locked, so the audited "before" is what this change replaced.
    const [current] = await tx
      .select({ settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .for('update');
    // Merged into the settings object, so other settings written meanwhile are kept.
    const [row] = await tx
      .update(tenants)
      .set({ settings: sql`${tenants.settings} || ${JSON.stringify(patch)}::jsonb` })
      .where(eq(tenants.id, tenantId))
      .returning({ settings: tenants.settings });
    const all = await tx
      .select({ id: gateways.id, slug: gateways.slug })
      .from(gateways)
      .where(eq(gateways.tenantId, tenantId));
    const change = await recordConfigChange(tx, {
      tenantId,
      reason: 'tool pinning settings changed',
      tenantSlug: await tenantSlugOf(tx, tenantId),
      gateways: all,
    });
    const before = toolPinningOf(current?.settings ?? {});
    const after = toolPinningOf(row?.settings ?? {});
    if (
      before.autoApproveNewTools !== after.autoApproveNewTools ||
      before.onToolChange !== after.onToolChange
    )
      await recordToolPinningSettingsChange(tx, actor, {
        tenantId,
        requested: request,
        before,
        after,
        at: new Date(),
      });
    return { recorded: change, settings: row?.settings ?? {} };
  });
  await deliverChanges(db, bus, [recorded]);
  return toolPinningOf(settings);
}
