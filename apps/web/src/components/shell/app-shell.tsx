import Link from 'next/link';
import type { ReactNode } from 'react';
import type { Account, Membership } from '@toolgate/api/schemas/members';
import { LogoMark } from '../logo.tsx';
import { RememberWorkspace } from './remember-workspace.tsx';
import { MobileNav, SidebarNav } from './sidebar-nav.tsx';
import { TenantSwitcher } from './tenant-switcher.tsx';
import { UserMenu } from './user-menu.tsx';

export function AppShell({
  account,
  membership,
  showBilling = false,
  children,
}: {
  account: Account;
  membership: Membership;
  /** The Billing link (the layout decides: owners, with Stripe on). */
  showBilling?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="flex min-h-screen flex-col">
      <RememberWorkspace slug={membership.tenantSlug} />
      <header className="sticky top-0 z-30 flex h-14 shrink-0 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur">
        <Link href={`/t/${membership.tenantSlug}`} aria-label="Workspace overview" className="rounded-md">
          <LogoMark />
        </Link>
        <svg viewBox="0 0 24 24" className="size-5 text-slate-300" aria-hidden="true">
          <path d="M16 3 8 21" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
        <TenantSwitcher current={membership} memberships={account.memberships} />
        <div className="ml-auto flex items-center gap-3">
          <UserMenu user={account.user} />
        </div>
      </header>
      <div className="sticky top-14 z-20 border-b border-slate-200 bg-white md:hidden">
        <MobileNav tenantSlug={membership.tenantSlug} showBilling={showBilling} />
      </div>
      <div className="flex flex-1">
        <aside className="hidden w-60 shrink-0 border-r border-slate-200 bg-white md:block">
          <div className="sticky top-14 max-h-[calc(100vh-3.5rem)] overflow-y-auto px-3 py-5">
            <SidebarNav tenantSlug={membership.tenantSlug} showBilling={showBilling} />
          </div>
        </aside>
        <main className="min-w-0 flex-1">
          <div className="mx-auto w-full max-w-6xl px-6 py-8 lg:px-10">{children}</div>
        </main>
      </div>
    </div>
  );
}
