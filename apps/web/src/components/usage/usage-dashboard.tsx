'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { UsageSummary } from '@toolgate/api/schemas/usage';
import type { ReactNode } from 'react';
import { ChartIcon, RetryIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button, ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { Loading } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { BarList } from './bar-list.tsx';
import { FilterBar, useFacets } from './filter-bar.tsx';
import { formatCount, formatMs, formatPercent } from './format.ts';
import { RangePicker } from './range-picker.tsx';
import { CanaryComparisons } from './canary-comparisons.tsx';
import { CallsChart, LatencyChart } from './time-charts.tsx';
import {
  clearNarrowingFilters,
  filtersQuery,
  hasNarrowingFilters,
  useUrlFilters,
  type Filters,
} from './usage-filters.ts';

/** Presets end now: refresh them while the page is open. */
const REFRESH_MS = 30_000;

/**
 * The usage dashboard of a workspace, or of one gateway (`gatewayId`): calls over time, error
 * rate, latency and the busiest tools, servers, callers, agents and gateways, for a window and
 * filters kept in the URL.
 */
export function UsageDashboard({
  tenantSlug,
  isAdmin,
  gatewayId,
}: {
  tenantSlug: string;
  isAdmin: boolean;
  /** Fixes the dashboard to one gateway. */
  gatewayId?: string;
}) {
  const trpc = useTRPC();
  const { filters, setFilters } = useUrlFilters(gatewayId ? { gatewayId } : {});
  const live = !filters.from && !filters.to;
  const summary = useQuery({
    ...trpc.usage.summary.queryOptions(filters),
    placeholderData: keepPreviousData,
    refetchInterval: live ? REFRESH_MS : false,
  });
  // Refreshed with the summary.
  const facets = useFacets(filters, { gatewayId, refetchInterval: live ? REFRESH_MS : false });
  const logsHref = (patch: Partial<Filters>) =>
    `/t/${tenantSlug}/logs${filtersQuery({ ...filters, ...patch })}`;
  const hide = gatewayId ? (['gatewayId'] as const) : [];

  return (
    <div className="mt-6 flex flex-col gap-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <FilterBar filters={filters} setFilters={setFilters} facets={facets.data} hide={hide} />
        <div className="flex items-start gap-2">
          <RangePicker filters={filters} setFilters={setFilters} />
          <Button
            variant="secondary"
            size="md"
            aria-label="Refresh"
            title="Refresh"
            pending={summary.isFetching}
            onClick={() => void summary.refetch()}
          >
            {!summary.isFetching && <RetryIcon className="size-4" />}
          </Button>
        </div>
      </div>
      {summary.error && (
        <Alert>
          {summary.error.message}{' '}
          <button type="button" className="font-medium underline" onClick={() => void summary.refetch()}>
            Try again
          </button>
        </Alert>
      )}
      {summary.data ? (
        <DashboardBody
          data={summary.data}
          narrowed={hasNarrowingFilters(filters, hide)}
          clearFilters={() => setFilters(clearNarrowingFilters(hide))}
          tenantSlug={tenantSlug}
          isAdmin={isAdmin}
          showGateways={!gatewayId}
          logsHref={logsHref}
        />
      ) : (
        !summary.error && <Loading>Loading usage…</Loading>
      )}
      {isAdmin && !gatewayId && <CanaryComparisons tenantSlug={tenantSlug} />}
    </div>
  );
}

function DashboardBody({
  data,
  narrowed,
  clearFilters,
  tenantSlug,
  isAdmin,
  showGateways,
  logsHref,
}: {
  data: UsageSummary;
  narrowed: boolean;
  clearFilters: () => void;
  tenantSlug: string;
  isAdmin: boolean;
  showGateways: boolean;
  logsHref: (patch: Partial<Filters>) => string;
}) {
  const { totals, series, range, top, statuses } = data;
  if (totals.calls === 0) {
    return (
      <div className="rounded-xl border border-dashed border-slate-300 bg-white">
        {narrowed ? (
          <EmptyState
            icon={ChartIcon}
            title="No calls match these filters"
            description="Try a longer time range, or clear the filters."
          >
            <Button variant="secondary" onClick={clearFilters}>
              Clear filters
            </Button>
          </EmptyState>
        ) : (
          <EmptyState
            icon={ChartIcon}
            title="No calls yet — connect a client to a gateway"
            description={
              isAdmin
                ? 'Calls through your gateways show up here within seconds: create a token, then point Claude, Cursor or any MCP client at a gateway URL.'
                : 'Calls you make through a gateway with your own tokens show up here within seconds.'
            }
          >
            <ButtonLink href={`/t/${tenantSlug}/gateways`}>Open gateways</ButtonLink>
            <ButtonLink href={`/t/${tenantSlug}/tokens`} variant="secondary">
              Create a token
            </ButtonLink>
          </EmptyState>
        )}
      </div>
    );
  }
  const failures = statuses.filter((s) => s.status !== 'ok' && s.calls > 0);
  return (
    <>
      <dl className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Stat label="Calls" value={formatCount(totals.calls)} />
        <Stat
          label="Error rate"
          value={formatPercent(totals.errorRate)}
          tone={totals.errors > 0 ? 'red' : undefined}
          detail={
            failures.length > 0
              ? failures.map((s) => `${formatCount(s.calls)} ${s.status.replace('_', ' ')}`).join(' · ')
              : 'No errors'
          }
        />
        <Stat label="p50 latency" value={formatMs(totals.p50Ms)} detail={`avg ${formatMs(totals.avgMs)}`} />
        <Stat label="p95 latency" value={formatMs(totals.p95Ms)} />
      </dl>
      <div className="grid gap-6 xl:grid-cols-2">
        <Card title="Calls over time">
          <CallsChart points={series} bucketSeconds={range.bucketSeconds} />
        </Card>
        <Card title="Latency">
          <LatencyChart points={series} bucketSeconds={range.bucketSeconds} />
        </Card>
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <BarList
          title="Top tools"
          rows={top.tools}
          href={(r) => logsHref({ tool: r.id })}
          empty="No tool calls"
        />
        <BarList
          title="Top servers"
          rows={top.servers}
          href={(r) => logsHref({ installationId: r.id })}
          empty="No calls reached a server"
        />
        <BarList title="Top callers" rows={top.callers} href={(r) => logsHref({ principalId: r.id })} />
        <BarList
          title="Top agents"
          rows={top.agents}
          href={(r) => logsHref({ agent: r.id })}
          empty="No call named its agent"
        />
        {showGateways && (
          <BarList title="Top gateways" rows={top.gateways} href={(r) => logsHref({ gatewayId: r.id })} />
        )}
      </div>
    </>
  );
}

function Stat({
  label,
  value,
  detail,
  tone,
}: {
  label: string;
  value: string;
  detail?: string;
  tone?: 'red';
}) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd
        className={`mt-2 text-3xl font-semibold tracking-tight tabular-nums ${tone === 'red' ? 'text-red-600' : 'text-slate-900'}`}
      >
        {value}
      </dd>
      {detail && <dd className="mt-1 truncate text-xs text-slate-500">{detail}</dd>}
    </div>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <h2 className="mb-3 text-sm font-semibold text-slate-900">{title}</h2>
      {children}
    </section>
  );
}
