import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { ROLE_LABELS } from '~/components/shell/role-labels';
import { PageHeader } from '~/components/ui/page-header';
import { webEnv } from '~/env';
import { requireMembership } from '~/server/auth/session';
import { ApprovalWebhookForm } from './approval-webhook-form';
import { AuditRetentionForm } from './audit-retention-form';
import { JitUsersForm } from './jit-users-form';
import { PlanSection } from './plan-section';
import { ToolPinningForm } from './tool-pinning-form';
import { WorkspaceSection } from './workspace-section';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { account, membership } = await requireMembership(slug);
  const workspace = {
    name: membership.tenantName,
    slug: membership.tenantSlug,
    roleLabel: ROLE_LABELS[membership.role],
    mcpBase: `${webEnv().PUBLIC_MCP_URL}/mcp/`,
  };
  return (
    <>
      <PageHeader title="Settings" description="How this workspace is named, secured and retained." />
      <WorkspaceSection
        workspace={workspace}
        userId={account.user.id}
        canRename={isAdmin(membership)}
        isOwner={membership.role === 'owner'}
      />
      {isAdmin(membership) && (
        <PlanSection
          tenantId={membership.tenantId}
          {...(membership.role === 'owner' ? { billingHref: `/t/${slug}/billing` } : {})}
        />
      )}
      <AuditRetentionForm isAdmin={isAdmin(membership)} />
      <JitUsersForm tenantSlug={slug} isAdmin={isAdmin(membership)} />
      <ToolPinningForm tenantSlug={slug} isAdmin={isAdmin(membership)} />
      <ApprovalWebhookForm isAdmin={isAdmin(membership)} />
    </>
  );
}
