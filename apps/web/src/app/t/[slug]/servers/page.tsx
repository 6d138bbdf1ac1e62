import type { Metadata } from 'next';
import { ComingSoon } from '~/components/coming-soon';
import { ServerIcon } from '~/components/icons';
import { PageHeader } from '~/components/ui/page-header';
import { requireMembership } from '~/server/auth/session';

export const metadata: Metadata = { title: 'Servers' };

export default async function ServersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  await requireMembership(slug);
  return (
    <>
      <PageHeader
        title="Servers"
        description="Your private registry of MCP servers, and the connections made from them."
      />
      <ComingSoon
        icon={ServerIcon}
        title="Build your private MCP registry"
        description="Add the remote and local MCP servers your organisation approves — GitHub, Linear, Postgres or your own — and connect them with credentials that are encrypted at rest and never shown again."
        nextSteps={[
          { href: `/t/${slug}/teams`, label: 'Organise your teams first' },
          { href: `/t/${slug}/members`, label: 'Review members' },
        ]}
      />
    </>
  );
}
