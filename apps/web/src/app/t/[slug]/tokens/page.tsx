import type { Metadata } from 'next';
import { ComingSoon } from '~/components/coming-soon';
import { KeyIcon } from '~/components/icons';
import { PageHeader } from '~/components/ui/page-header';
import { requireMembership } from '~/server/auth/session';

export const metadata: Metadata = { title: 'Tokens' };

export default async function TokensPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  await requireMembership(slug);
  return (
    <>
      <PageHeader title="Tokens" description="API tokens for MCP clients, scripts and the REST API." />
      <ComingSoon
        icon={KeyIcon}
        title="Connect clients and automation"
        description="Issue tokens scoped to a person, a team or the whole workspace. Tokens are stored hashed, shown exactly once, and can be revoked at any time."
        nextSteps={[
          { href: `/t/${slug}/gateways`, label: 'Plan your gateways' },
          { href: `/t/${slug}/teams`, label: 'Set up teams' },
        ]}
      />
    </>
  );
}
