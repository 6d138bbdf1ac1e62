import type { Metadata } from 'next';
import { canAdminister } from '~/schemas/members';
import { requireMembership } from '~/server/auth/session';
import { ServersView } from './servers-view';

export const metadata: Metadata = { title: 'Servers' };

export default async function ServersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <ServersView isAdmin={canAdminister(membership.role)} />;
}
