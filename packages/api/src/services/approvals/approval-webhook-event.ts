import { exposedToolName, TOOL_NAME_SEPARATOR } from '@toolgate/core/tool-naming';
import type { Database } from '@toolgate/db/client';
import {
  approvalRequests,
  gatewayToolAssignments,
  registryEntries,
  tenants,
  type ApprovalAnnouncementEvent,
} from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { publicLink } from '../../link-token.ts';
import type { ApprovalWebhookEvent } from '../../schemas/approval-webhook.ts';
import { selectApprovalRows } from '../../views/approval.ts';

type ServerRef = NonNullable<ApprovalWebhookEvent['approval']['server']>;

/**
 * The server behind a tool name as the gateway exposes it: the assignment whose exposed name it is
 * (an alias, or `{server}__{tool}`), else the server whose slug prefixes it (generated resource
 * tools). Null when the gateway no longer serves it.
 */
async function serverOf(db: Database, tenantId: string, gatewayId: string, toolName: string) {
  const assigned = await db
    .select({
      id: registryEntries.id,
      slug: registryEntries.slug,
      name: registryEntries.name,
      kind: gatewayToolAssignments.kind,
      toolName: gatewayToolAssignments.toolName,
      alias: gatewayToolAssignments.alias,
    })
    .from(gatewayToolAssignments)
    .innerJoin(registryEntries, eq(registryEntries.id, gatewayToolAssignments.registryEntryId))
    .where(
      and(eq(gatewayToolAssignments.tenantId, tenantId), eq(gatewayToolAssignments.gatewayId, gatewayId)),
    );
  const found =
    assigned.find((a) => a.kind === 'tool' && exposedToolName(a.slug, a.toolName, a.alias) === toolName) ??
    assigned.find((a) => toolName.startsWith(`${a.slug}${TOOL_NAME_SEPARATOR}`));
  return found ? ({ id: found.id, slug: found.slug, name: found.name } satisfies ServerRef) : null;
}

/**
 * What the approval webhook is sent about a request: `approval.requested`, or `approval.decided`
 * with the decision. The arguments are the stored ones (redacted when the request was made, as
 * the inbox shows them). Undefined when the request or its workspace is gone.
 */
export async function approvalWebhookEvent(
  db: Database,
  {
    tenantId,
    approvalId,
    event,
    publicWebUrl,
  }: { tenantId: string; approvalId: string; event: ApprovalAnnouncementEvent; publicWebUrl: string },
): Promise<ApprovalWebhookEvent | undefined> {
  const [[view], [tenant]] = await Promise.all([
    selectApprovalRows(db, tenantId, eq(approvalRequests.id, approvalId), 1),
    db.select({ id: tenants.id, slug: tenants.slug }).from(tenants).where(eq(tenants.id, tenantId)),
  ]);
  if (!view || !tenant) return undefined;
  const r = view.request;
  const decided = event === 'decided' && r.decidedAt && r.status !== 'pending' && r.status !== 'expired';
  return {
    type: event === 'decided' ? 'approval.decided' : 'approval.requested',
    approval: {
      id: r.id,
      tool: r.toolName,
      server: await serverOf(db, tenantId, r.gatewayId, r.toolName),
      gateway: view.gateway,
      caller: { principalId: r.principalId, label: r.callerLabel, userId: r.callerUserId },
      agent: r.agent,
      policy: { name: r.policyName, message: r.policyMessage },
      arguments: r.args,
      waitingSince: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      url: publicLink(publicWebUrl, `/t/${tenant.slug}/approvals?id=${r.id}`),
      ...(decided
        ? {
            decision: {
              // An approved call that has run since is `used`: it was approved.
              status: r.status === 'denied' ? ('denied' as const) : ('approved' as const),
              by: view.decider
                ? { userId: view.decider.id, name: view.decider.name, email: view.decider.email }
                : null,
              note: r.note,
              decidedAt: r.decidedAt!.toISOString(),
            },
          }
        : {}),
    },
    tenant,
  };
}
