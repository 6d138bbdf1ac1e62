import type { Metadata } from 'next';
import { requireMembership } from '~/server/auth/session';
import { MembersView } from './members-view';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { account, membership } = await requireMembership(slug);
  return (
    <MembersView
      currentUserId={account.user.id}
      role={membership.role}
      tenantName={membership.tenantName}
      tenantSlug={slug}
    />
  );
}
