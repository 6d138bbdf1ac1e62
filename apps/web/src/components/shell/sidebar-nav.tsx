'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, type ComponentType } from 'react';
import {
  AppsIcon,
  BuildingIcon,
  ChartIcon,
  CheckIcon,
  GatewayIcon,
  HomeIcon,
  KeyIcon,
  LogsIcon,
  ServerIcon,
  SettingsIcon,
  ShieldIcon,
  TeamIcon,
  UsersIcon,
} from '../icons.tsx';
import { useTRPC } from '~/trpc/react';
import { cx } from '../ui/cx.ts';

interface NavItem {
  label: string;
  /** Relative to /t/{slug}; '' is the overview. */
  path: string;
  icon: ComponentType<{ className?: string }>;
  /** Shows how many requests (or tool changes) wait for the viewer's decision. */
  badge?: 'pendingApprovals' | 'pendingToolChanges';
}

const SECTIONS: { title: string | null; items: NavItem[] }[] = [
  { title: null, items: [{ label: 'Overview', path: '', icon: HomeIcon }] },
  {
    title: 'Connect',
    items: [
      { label: 'Servers', path: '/servers', icon: ServerIcon },
      { label: 'Tool changes', path: '/tool-changes', icon: ShieldIcon, badge: 'pendingToolChanges' },
      { label: 'Gateways', path: '/gateways', icon: GatewayIcon },
      { label: 'Policies', path: '/policies', icon: ShieldIcon },
      { label: 'Guardrails', path: '/guardrails', icon: ShieldIcon },
      { label: 'Tokens', path: '/tokens', icon: KeyIcon },
      { label: 'Connected accounts', path: '/connections', icon: ShieldIcon },
      { label: 'Connected apps', path: '/settings/oauth', icon: AppsIcon },
    ],
  },
  {
    title: 'Monitor',
    items: [
      { label: 'Usage', path: '/usage', icon: ChartIcon },
      { label: 'Logs', path: '/logs', icon: LogsIcon },
      { label: 'Approvals', path: '/approvals', icon: CheckIcon, badge: 'pendingApprovals' },
    ],
  },
  {
    title: 'Organization',
    items: [
      { label: 'Members', path: '/members', icon: UsersIcon },
      { label: 'Teams', path: '/teams', icon: TeamIcon },
      { label: 'Identity providers', path: '/settings/identity-providers', icon: ShieldIcon },
      { label: 'Settings', path: '/settings', icon: SettingsIcon },
    ],
  },
];

const ALL_PATHS = SECTIONS.flatMap((s) => s.items.map((i) => i.path));

/** Billing (owners, with Stripe on) joins the Organization links after Settings. */
const BILLING_ITEM: NavItem = { label: 'Billing', path: '/billing', icon: BuildingIcon };
const sectionsFor = (showBilling: boolean) =>
  showBilling
    ? SECTIONS.map((s) => (s.title === 'Organization' ? { ...s, items: [...s.items, BILLING_ITEM] } : s))
    : SECTIONS;

/** Owners see Billing when Stripe is on (the layout decides). */
interface NavProps {
  tenantSlug: string;
  showBilling?: boolean;
}

const matches = (pathname: string, base: string, path: string): boolean => {
  const href = base + path;
  return path === '' ? pathname === base : pathname === href || pathname.startsWith(`${href}/`);
};

/** The deepest matching link wins: /settings/oauth is "Connected apps", not also "Settings". */
function isActive(pathname: string, base: string, path: string): boolean {
  if (!matches(pathname, base, path)) return false;
  return !ALL_PATHS.some((other) => other.length > path.length && matches(pathname, base, other));
}

/** How many approval requests and tool changes wait for the viewer's decision (refreshed every minute). */
function usePendingCounts(): Record<NonNullable<NavItem['badge']>, number> {
  const trpc = useTRPC();
  const approvals = useQuery({ ...trpc.approvals.pendingCount.queryOptions(), refetchInterval: 60_000 });
  const toolChanges = useQuery({ ...trpc.toolChanges.pendingCount.queryOptions(), refetchInterval: 60_000 });
  return { pendingApprovals: approvals.data ?? 0, pendingToolChanges: toolChanges.data ?? 0 };
}

function CountBadge({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span className="ml-auto rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-800 tabular-nums">
      {count > 99 ? '99+' : count}
      <span className="sr-only"> waiting</span>
    </span>
  );
}

/** The same links in one scrolling row, for screens too narrow for the sidebar. */
export function MobileNav({ tenantSlug, showBilling = false }: NavProps) {
  const pathname = usePathname();
  const items = sectionsFor(showBilling).flatMap((s) => s.items);
  const base = `/t/${tenantSlug}`;
  const bar = useRef<HTMLElement>(null);
  const pending = usePendingCounts();
  useEffect(() => {
    bar.current
      ?.querySelector('[aria-current="page"]')
      ?.scrollIntoView({ block: 'nearest', inline: 'center' });
  }, [pathname]);
  return (
    <nav ref={bar} aria-label="Workspace" className="flex gap-1 overflow-x-auto px-3 py-2">
      {items.map(({ label, path, badge }) => {
        const active = isActive(pathname, base, path);
        return (
          <Link
            key={label}
            href={base + path}
            aria-current={active ? 'page' : undefined}
            className={cx(
              'flex shrink-0 items-center gap-1.5 rounded-lg px-3 py-1.5 text-sm font-medium',
              active
                ? 'bg-brand-50 text-brand-700'
                : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
            )}
          >
            {label}
            {badge && <CountBadge count={pending[badge]} />}
          </Link>
        );
      })}
    </nav>
  );
}

export function SidebarNav({ tenantSlug, showBilling = false }: NavProps) {
  const pathname = usePathname();
  const base = `/t/${tenantSlug}`;
  const pending = usePendingCounts();
  return (
    <nav aria-label="Workspace" className="flex flex-col gap-6">
      {sectionsFor(showBilling).map((section) => (
        <div key={section.title ?? 'main'} className="flex flex-col gap-0.5">
          {section.title && (
            <h2 className="px-3 pb-1.5 text-xs font-medium tracking-wide text-slate-400 uppercase">
              {section.title}
            </h2>
          )}
          {section.items.map(({ label, path, icon: Icon, badge }) => {
            const href = base + path;
            const active = isActive(pathname, base, path);
            return (
              <Link
                key={label}
                href={href}
                aria-current={active ? 'page' : undefined}
                className={cx(
                  'group flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium',
                  active
                    ? 'bg-brand-50 text-brand-700'
                    : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
                )}
              >
                <Icon
                  className={cx(
                    'size-5 shrink-0',
                    active ? 'text-brand-600' : 'text-slate-400 group-hover:text-slate-500',
                  )}
                />
                {label}
                {badge && <CountBadge count={pending[badge]} />}
              </Link>
            );
          })}
        </div>
      ))}
    </nav>
  );
}
