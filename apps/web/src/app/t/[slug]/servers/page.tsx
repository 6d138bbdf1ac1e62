import type { Metadata } from 'next';
import { isAdmin } from '@toolgate/api/actor';
import { connectionUrls } from '@toolgate/api/services/connections';
import { issuerFrom } from '@toolgate/auth/constants';
import { webEnv } from '~/env';
import { requireMembership } from '~/server/auth/session';
import { ServersView } from './servers-view';

export const metadata: Metadata = { title: 'Servers' };

export default async function ServersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { account, membership } = await requireMembership(slug);
  return (
    <ServersView
      tenantSlug={slug}
      userId={account.user.id}
      isAdmin={isAdmin(membership)}
      allowStdio={webEnv().TOOLGATE_ALLOW_STDIO}
      jwksUrl={`${issuerFrom(webEnv().PUBLIC_WEB_URL)}/.well-known/jwks.json`}
      oauthRedirectUri={connectionUrls(webEnv().PUBLIC_WEB_URL).callback}
    />
  );
}
