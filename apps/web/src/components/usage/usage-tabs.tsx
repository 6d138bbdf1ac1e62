'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { cx } from '~/components/ui/cx';
import { filtersQuery, parseFilters } from './usage-filters.ts';

/** Dashboard, graph and logs of the same window and filters, one click apart. */
export function UsageTabs({ tenantSlug }: { tenantSlug: string }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const query = filtersQuery(parseFilters(new URLSearchParams(params.toString())));
  const base = `/t/${tenantSlug}`;
  const tabs = [
    { label: 'Dashboard', href: `${base}/usage` },
    { label: 'Graph', href: `${base}/usage/graph` },
    { label: 'Logs', href: `${base}/logs` },
  ];
  return (
    <nav aria-label="Usage views" className="mt-6 flex gap-1 border-b border-slate-200">
      {tabs.map((tab) => {
        const active = pathname === tab.href;
        return (
          <Link
            key={tab.href}
            href={`${tab.href}${query}`}
            aria-current={active ? 'page' : undefined}
            className={cx(
              '-mb-px border-b-2 px-3 py-2 text-sm font-medium',
              active
                ? 'border-brand-600 text-brand-700'
                : 'border-transparent text-slate-600 hover:text-slate-900',
            )}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
