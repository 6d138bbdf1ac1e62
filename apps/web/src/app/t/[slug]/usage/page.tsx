import type { Metadata } from 'next';
import { Suspense } from 'react';
import { isAdmin } from '@toolgate/api/actor';
import { PageHeader } from '~/components/ui/page-header';
import { UsageDashboard } from '~/components/usage/usage-dashboard';
import { UsageTabs } from '~/components/usage/usage-tabs';
import { requireMembership } from '~/server/auth/session';
import { QuotaMeter } from './quota-meter';

export const metadata: Metadata = { title: 'Usage' };

export default async function UsagePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  const admin = isAdmin(membership);
  return (
    <>
      <PageHeader
        title="Usage"
        description={
          admin
            ? 'Calls through every gateway of the workspace: volume, errors, latency, and who calls what.'
            : 'The calls you made through gateways with your own tokens: volume, errors and latency.'
        }
      />
      {/* The views read their filters from the URL. */}
      <Suspense>
        <UsageTabs tenantSlug={slug} />
        <QuotaMeter />
        <UsageDashboard tenantSlug={slug} isAdmin={admin} />
      </Suspense>
    </>
  );
}
