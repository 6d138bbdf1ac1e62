import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { ROLE_LABELS } from '~/components/shell/role-labels';
import { PageHeader } from '~/components/ui/page-header';
import { requireMembership } from '~/server/auth/session';
import { AuditRetentionForm } from './audit-retention-form';
import { JitUsersForm } from './jit-users-form';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  const rows = [
    ['Workspace name', membership.tenantName],
    ['Workspace URL', `/t/${membership.tenantSlug}`],
    ['Your role', ROLE_LABELS[membership.role]],
  ];
  return (
    <>
      <PageHeader title="Settings" description="How this workspace is named, secured and retained." />
      <section className="mt-8 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
        <h2 className="border-b border-slate-200 px-5 py-3.5 text-sm font-semibold text-slate-900">
          General
        </h2>
        <dl className="divide-y divide-slate-100">
          {rows.map(([label, value]) => (
            <div key={label} className="grid grid-cols-3 gap-4 px-5 py-3.5 text-sm">
              <dt className="text-slate-500">{label}</dt>
              <dd className="col-span-2 font-medium text-slate-900">{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <AuditRetentionForm isAdmin={isAdmin(membership)} />
      <JitUsersForm tenantSlug={slug} isAdmin={isAdmin(membership)} />
    </>
  );
}
