import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { requireMembership } from '~/server/auth/session';
import { NewGuardrail } from '../new-guardrail';

export const metadata: Metadata = { title: 'New guardrail' };

export default async function NewGuardrailPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  const back = `/t/${slug}/guardrails`;
  return (
    <>
      <BackLink href={back}>Guardrails</BackLink>
      <PageHeader
        title="New guardrail"
        description="Scans the tool calls of the gateways it applies to for sensitive data, and logs, redacts or blocks what it finds."
      />
      <div className="mt-6">
        {isAdmin(membership) ? (
          <NewGuardrail tenantSlug={slug} />
        ) : (
          <p className="text-sm text-slate-600">Only owners and admins add guardrails.</p>
        )}
      </div>
    </>
  );
}
