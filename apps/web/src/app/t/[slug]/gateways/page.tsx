import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { GatewaysView } from './gateways-view';

export const metadata: Metadata = { title: 'Gateways' };

export default async function GatewaysPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <GatewaysView tenantSlug={slug} isAdmin={isAdmin(membership)} />;
}
