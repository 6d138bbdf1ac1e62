import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { TeamDetail } from './team-detail';

export const metadata: Metadata = { title: 'Team' };

export default async function TeamPage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const { account, membership } = await requireMembership(slug);
  return (
    <TeamDetail tenantSlug={slug} teamId={id} currentUserId={account.user.id} isAdmin={isAdmin(membership)} />
  );
}
