import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { ToolChangesView } from './tool-changes-view';

export const metadata: Metadata = { title: 'Tool changes' };

/** Tool-definition pinning: new and changed tool definitions waiting for an admin's review. */
export default async function ToolChangesPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return <ToolChangesView tenantSlug={slug} isAdmin={isAdmin(membership)} />;
}
