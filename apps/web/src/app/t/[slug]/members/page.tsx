import type { Metadata } from 'next';
import { Button } from '~/components/ui/button';
import { PageHeader } from '~/components/ui/page-header';
import { requireMembership } from '~/server/auth/session';
import { MembersTable } from './members-table';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { account, membership } = await requireMembership(slug);
  return (
    <>
      <PageHeader
        title="Members"
        description={`People with access to ${membership.tenantName}. Owners and admins manage servers, gateways and teams; members use what is shared with them.`}
        actions={
          <Button variant="secondary" disabled title="Invitations are coming soon">
            Invite members
          </Button>
        }
      />
      <div className="mt-8">
        <MembersTable currentUserId={account.user.id} />
      </div>
    </>
  );
}
