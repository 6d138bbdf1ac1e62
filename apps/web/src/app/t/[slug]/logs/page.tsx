import type { Metadata } from 'next';
import { Suspense } from 'react';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { LogsView } from './logs-view';

export const metadata: Metadata = { title: 'Logs' };

export default async function LogsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return (
    // The view reads its filters from the URL.
    <Suspense>
      <LogsView tenantSlug={slug} isAdmin={isAdmin(membership)} />
    </Suspense>
  );
}
