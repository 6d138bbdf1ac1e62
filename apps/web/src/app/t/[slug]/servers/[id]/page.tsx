import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { webEnv } from '~/env';
import { requireMembership } from '~/server/auth/session';
import { InstallationDetail } from './installation-detail';

export const metadata: Metadata = { title: 'Installed server' };

export default async function InstallationPage({
  params,
}: {
  params: Promise<{ slug: string; id: string }>;
}) {
  const { slug, id } = await params;
  const { account, membership } = await requireMembership(slug);
  return (
    <InstallationDetail
      tenantSlug={slug}
      installationId={id}
      userId={account.user.id}
      isAdmin={isAdmin(membership)}
      allowStdio={webEnv().TOOLGATE_ALLOW_STDIO}
    />
  );
}
