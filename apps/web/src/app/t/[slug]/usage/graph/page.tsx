import type { Metadata } from 'next';
import { Suspense } from 'react';
import { isAdmin } from '@toolgate/api/actor';
import { PageHeader } from '~/components/ui/page-header';
import { UsageGraphView } from '~/components/usage/usage-graph';
import { UsageTabs } from '~/components/usage/usage-tabs';
import { requireMembership } from '~/server/auth/session';

export const metadata: Metadata = { title: 'Call graph' };

export default async function UsageGraphPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return (
    <>
      <PageHeader
        title="Usage"
        description={
          isAdmin(membership)
            ? 'Who calls which tools, through which gateways and servers.'
            : 'Which tools you call, through which gateways and servers.'
        }
      />
      {/* The views read their filters from the URL. */}
      <Suspense>
        <UsageTabs tenantSlug={slug} />
        <UsageGraphView tenantSlug={slug} />
      </Suspense>
    </>
  );
}
