import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { ConnectionsView } from './connections-view';

export const metadata: Metadata = { title: 'Connected accounts' };

const one = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : null);

/**
 * Connected accounts. The upstream callback lands here with `?connected=<connectionId>`; the
 * proxy's "connect your account" links with `?connect=<registryEntryId>`.
 */
export default async function ConnectionsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const query = await searchParams;
  const { account, membership } = await requireMembership(slug);
  return (
    <ConnectionsView
      tenantSlug={slug}
      userId={account.user.id}
      isAdmin={isAdmin(membership)}
      connectEntryId={one(query.connect)}
      connectedId={one(query.connected)}
    />
  );
}
