import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { GatewayDetail } from './gateway-detail';

export const metadata: Metadata = { title: 'Gateway' };

export default async function GatewayPage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const { membership } = await requireMembership(slug);
  return <GatewayDetail tenantSlug={slug} gatewayId={id} isAdmin={isAdmin(membership)} />;
}
