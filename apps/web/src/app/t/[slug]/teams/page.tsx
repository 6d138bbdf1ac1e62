import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { TeamsView } from './teams-view';

export const metadata: Metadata = { title: 'Teams' };

export default async function TeamsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <TeamsView tenantSlug={slug} canCreate={isAdmin(membership)} />;
}
