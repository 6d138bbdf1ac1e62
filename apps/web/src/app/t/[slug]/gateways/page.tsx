import type { Metadata } from 'next';
import { ComingSoon } from '~/components/coming-soon';
import { GatewayIcon } from '~/components/icons';
import { PageHeader } from '~/components/ui/page-header';
import { webEnv } from '~/env';
import { requireMembership } from '~/server/auth/session';

export const metadata: Metadata = { title: 'Gateways' };

export default async function GatewaysPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  await requireMembership(slug);
  return (
    <>
      <PageHeader
        title="Gateways"
        description="Named endpoints that expose a chosen set of tools to MCP clients."
      />
      <ComingSoon
        icon={GatewayIcon}
        title="Expose the right tools through one URL"
        description={
          <>
            Each gateway publishes the tools you pick at{' '}
            <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">
              {webEnv().PUBLIC_MCP_URL}/mcp/{slug}/&lt;gateway&gt;
            </code>{' '}
            for Claude Desktop, Cursor, VS Code and your agents — visible to everyone, or only to the teams
            you choose.
          </>
        }
        nextSteps={[
          { href: `/t/${slug}/servers`, label: 'Add servers first' },
          { href: `/t/${slug}/teams`, label: 'Set up teams' },
        ]}
      />
    </>
  );
}
