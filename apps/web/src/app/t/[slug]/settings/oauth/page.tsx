import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { ConnectedAppsView } from './connected-apps-view';

export const metadata: Metadata = { title: 'Connected apps' };

export default async function ConnectedAppsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <ConnectedAppsView tenantSlug={slug} isAdmin={isAdmin(membership)} />;
}
