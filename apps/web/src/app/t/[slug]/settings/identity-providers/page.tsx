import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { IdentityProvidersView } from './identity-providers-view';

export const metadata: Metadata = { title: 'Identity providers' };

export default async function IdentityProvidersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <IdentityProvidersView tenantSlug={slug} isAdmin={isAdmin(membership)} />;
}
