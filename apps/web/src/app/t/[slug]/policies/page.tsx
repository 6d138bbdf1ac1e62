import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { PoliciesView } from './policies-view';

export const metadata: Metadata = { title: 'Policies' };

export default async function PoliciesPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ saved?: string }>;
}) {
  const { slug } = await params;
  const { saved } = await searchParams;
  const { membership } = await requireMembership(slug);
  return <PoliciesView tenantSlug={slug} isAdmin={isAdmin(membership)} savedId={saved ?? null} />;
}
