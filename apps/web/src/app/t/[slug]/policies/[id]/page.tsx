import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { PolicyDetail } from '../policy-detail';

export const metadata: Metadata = { title: 'Policy' };

export default async function PolicyPage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const { membership } = await requireMembership(slug);
  return <PolicyDetail tenantSlug={slug} policyId={id} isAdmin={isAdmin(membership)} />;
}
