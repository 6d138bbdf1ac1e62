'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { PaginationState, Updater } from '@tanstack/react-table';
import { useState } from 'react';
import { RetryIcon, SearchIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button, ButtonLink } from '~/components/ui/button';
import { EmptyState } from '~/components/ui/empty-state';
import { PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import { FilterBar, useFacets } from '~/components/usage/filter-bar';
import { RangePicker } from '~/components/usage/range-picker';
import { hasNarrowingFilters, useUrlFilters } from '~/components/usage/usage-filters';
import { UsageTabs } from '~/components/usage/usage-tabs';
import { useTRPC } from '~/trpc/react';
import { LogsTable, PAGE_SIZES } from './logs-table';

interface Paging {
  /** The filters these pages belong to; other filters start again at page 1. */
  key: string;
  pageIndex: number;
  pageSize: number;
  /** cursors[i] fetches page i (undefined for the first). */
  cursors: (string | undefined)[];
}

/** The audit log: filters in the URL, one server page at a time, newest first. */
export function LogsView({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const { filters, setFilters } = useUrlFilters();
  const key = JSON.stringify(filters);
  const [paging, setPaging] = useState<Paging>({
    key,
    pageIndex: 0,
    pageSize: PAGE_SIZES[0]!,
    cursors: [undefined],
  });
  // New filters: back to the first page (during render, so no stale page is ever requested).
  const current = paging.key === key ? paging : { ...paging, key, pageIndex: 0, cursors: [undefined] };
  if (current !== paging) setPaging(current);

  const input = { ...filters, limit: current.pageSize };
  const page = useQuery({
    ...trpc.usage.logs.queryOptions({ ...input, cursor: current.cursors[current.pageIndex] }),
    placeholderData: keepPreviousData,
  });
  // The first page carries the count; later pages reuse it from the cache.
  const firstPage = useQuery(trpc.usage.logs.queryOptions(input));
  const facets = useFacets(filters);

  const nextCursor = page.data?.nextCursor ?? null;
  const onPaginationChange = (updater: Updater<PaginationState>) => {
    const state = { pageIndex: current.pageIndex, pageSize: current.pageSize };
    const next = typeof updater === 'function' ? updater(state) : updater;
    if (next.pageSize !== current.pageSize) {
      setPaging({ key, pageIndex: 0, pageSize: next.pageSize, cursors: [undefined] });
      return;
    }
    if (next.pageIndex > current.pageIndex) {
      if (!nextCursor) return;
      const cursors = current.cursors.slice(0, current.pageIndex + 1);
      cursors.push(nextCursor);
      setPaging({ ...current, pageIndex: current.pageIndex + 1, cursors });
    } else if (next.pageIndex < current.pageIndex) {
      setPaging({ ...current, pageIndex: Math.max(0, next.pageIndex) });
    }
  };

  const narrowed = hasNarrowingFilters(filters);
  const empty = narrowed ? (
    <EmptyState
      icon={SearchIcon}
      title="No calls match these filters"
      description="Try a longer time range, or clear the filters."
    />
  ) : (
    <EmptyState
      icon={SearchIcon}
      title="No calls yet — connect a client to a gateway"
      description={
        isAdmin
          ? 'Every message an MCP client sends through a gateway is logged here, with its (redacted) arguments and result.'
          : 'Calls you make through a gateway with your own tokens are logged here.'
      }
    >
      <ButtonLink href={`/t/${tenantSlug}/gateways`} variant="secondary">
        Open gateways
      </ButtonLink>
    </EmptyState>
  );

  return (
    <>
      <PageHeader
        title="Logs"
        description={
          isAdmin
            ? 'Every call through your gateways: who called what, how it went, and how long it took. Open a call to see its request and result. Accounts connected, refreshed and disconnected at servers are logged here too.'
            : 'The calls you made through gateways with your own tokens, and what happened to the accounts you connected. Open a call to see its request and result.'
        }
      />
      <UsageTabs tenantSlug={tenantSlug} />
      <div className="mt-6 flex flex-col gap-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <FilterBar filters={filters} setFilters={setFilters} facets={facets.data} />
          <div className="flex items-start gap-2">
            <RangePicker filters={filters} setFilters={setFilters} />
            <Button
              variant="secondary"
              aria-label="Refresh"
              title="Refresh"
              pending={page.isFetching}
              onClick={() => {
                void firstPage.refetch();
                void page.refetch();
                void facets.refetch();
              }}
            >
              {!page.isFetching && <RetryIcon className="size-4" />}
            </Button>
          </div>
        </div>
        {page.error && <Alert>{page.error.message}</Alert>}
        {page.data ? (
          <LogsTable
            tenantSlug={tenantSlug}
            events={page.data.events}
            pagination={{ pageIndex: current.pageIndex, pageSize: current.pageSize }}
            onPaginationChange={onPaginationChange}
            hasNextPage={nextCursor !== null && !page.isPlaceholderData}
            total={firstPage.data?.total ?? null}
            loading={page.isFetching}
            empty={empty}
          />
        ) : (
          !page.error && <Loading>Loading calls…</Loading>
        )}
      </div>
    </>
  );
}
