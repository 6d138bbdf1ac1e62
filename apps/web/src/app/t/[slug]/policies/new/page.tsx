import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { requireMembership } from '~/server/auth/session';
import { PolicyForm } from '../policy-form';

export const metadata: Metadata = { title: 'New policy' };

export default async function NewPolicyPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  const back = `/t/${slug}/policies`;
  return (
    <>
      <BackLink href={back}>Policies</BackLink>
      <PageHeader
        title="New policy"
        description="Decides, on every tool call of the gateways it applies to, whether the call goes ahead."
      />
      <div className="mt-6">
        {isAdmin(membership) ? (
          <PolicyForm tenantSlug={slug} />
        ) : (
          <p className="text-sm text-slate-600">Only owners and admins add policies.</p>
        )}
      </div>
    </>
  );
}
