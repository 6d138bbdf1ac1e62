import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { GuardrailsView } from './guardrails-view';

export const metadata: Metadata = { title: 'Guardrails' };

export default async function GuardrailsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ saved?: string }>;
}) {
  const { slug } = await params;
  const { saved } = await searchParams;
  const { membership } = await requireMembership(slug);
  return <GuardrailsView tenantSlug={slug} isAdmin={isAdmin(membership)} savedId={saved ?? null} />;
}
