import type { Metadata } from 'next';
import { Suspense } from 'react';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { GatewayUsage } from './gateway-usage';

export const metadata: Metadata = { title: 'Gateway usage' };

export default async function GatewayUsagePage({
  params,
}: {
  params: Promise<{ slug: string; id: string }>;
}) {
  const { slug, id } = await params;
  const { membership } = await requireMembership(slug);
  return (
    // The dashboard reads its filters from the URL.
    <Suspense>
      <GatewayUsage tenantSlug={slug} gatewayId={id} isAdmin={isAdmin(membership)} />
    </Suspense>
  );
}
