import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AppShell } from '~/components/shell/app-shell';
import { webBilling } from '~/env';
import { requireMembership } from '~/server/auth/session';
import { TrpcProvider } from '~/trpc/react';
import { EmailVerificationBanner } from './email-verification-banner';

interface Props {
  params: Promise<{ slug: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const { membership } = await requireMembership(slug);
  return { title: { default: membership.tenantName, template: `%s · ${membership.tenantName} · Toolgate` } };
}

export default async function WorkspaceLayout({ params, children }: Props & { children: ReactNode }) {
  const { slug } = await params;
  const { account, membership } = await requireMembership(slug);
  return (
    <TrpcProvider key={slug} tenantSlug={slug}>
      <AppShell
        account={account}
        membership={membership}
        showBilling={membership.role === 'owner' && Boolean(webBilling())}
      >
        <EmailVerificationBanner user={account.user} />
        {children}
      </AppShell>
    </TrpcProvider>
  );
}
