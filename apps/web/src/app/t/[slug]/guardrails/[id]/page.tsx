import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { requireMembership } from '~/server/auth/session';
import { GuardrailDetail } from '../guardrail-detail';

export const metadata: Metadata = { title: 'Guardrail' };

export default async function GuardrailPage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const { membership } = await requireMembership(slug);
  return <GuardrailDetail tenantSlug={slug} guardrailId={id} isAdmin={isAdmin(membership)} />;
}
