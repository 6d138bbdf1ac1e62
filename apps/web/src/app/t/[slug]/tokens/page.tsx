import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { TokensView } from './tokens-view';

export const metadata: Metadata = { title: 'Tokens' };

export default async function TokensPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <TokensView tenantSlug={slug} isAdmin={isAdmin(membership)} />;
}
