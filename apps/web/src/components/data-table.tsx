'use client';

import {
  columnFilteringFeature,
  createColumnHelper,
  createFilteredRowModel,
  createPaginatedRowModel,
  createSortedRowModel,
  filterFn_equalsString,
  filterFn_includesString,
  globalFilteringFeature,
  metaHelper,
  rowPaginationFeature,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  sortFn_text,
  tableFeatures,
  useTable,
  type ColumnDef,
  type Header,
  type RowData,
  type SortingState,
} from '@tanstack/react-table';
import type { ComponentType, ReactNode } from 'react';
import { DataTableToolbar } from './data-table-toolbar.tsx';
import { ArrowDownIcon, ArrowUpIcon, RetryIcon, SearchIcon, SortIcon, WarningIcon } from './icons.tsx';
import { PaginationFooter } from './pagination-footer.tsx';
import { Button } from './ui/button.tsx';
import { cx } from './ui/cx.ts';
import { EmptyState } from './ui/empty-state.tsx';
import { useRowHighlight } from './use-row-highlight.ts';

export { PaginationFooter };

/** Per-column presentation, set as `meta` on a column definition. */
export interface DataTableColumnMeta {
  /** Classes for the header and body cells of the column (width, alignment). */
  className?: string;
  /** Stand-in for the column while rows load; defaults to a text bar. */
  skeleton?: 'text' | 'avatar' | 'badge';
}

/**
 * Client-side sorting, global and per-column filtering, and pagination. Columns name filter
 * and sort functions by these keys (`filterFn: 'equalsString'`, `sortFn: 'datetime'`).
 */
export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: {
    alphanumeric: sortFn_alphanumeric,
    basic: sortFn_basic,
    datetime: sortFn_datetime,
    text: sortFn_text,
  },
  columnFilteringFeature,
  globalFilteringFeature,
  filteredRowModel: createFilteredRowModel(),
  filterFns: { includesString: filterFn_includesString, equalsString: filterFn_equalsString },
  rowPaginationFeature,
  paginatedRowModel: createPaginatedRowModel(),
  columnMeta: metaHelper<DataTableColumnMeta>(),
});
export type DataTableFeatures = typeof dataTableFeatures;

/** Column helper bound to the data table's features: `const col = dataTableColumnHelper<Member>()`. */
export const dataTableColumnHelper = <TData extends RowData>() =>
  createColumnHelper<DataTableFeatures, TData>();

// Accessor value types differ per column; `helper.columns([...])` keeps them and yields this.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DataTableColumns<TData extends RowData> = ReadonlyArray<ColumnDef<DataTableFeatures, TData, any>>;

export interface DataTableFacet {
  /** The column to filter (its filterFn decides the match, usually 'equalsString'). */
  columnId: string;
  /** "All roles" is shown for no filter. */
  allLabel: string;
  options: { value: string; label: string }[];
}

export interface DataTableProps<TData extends RowData> {
  /** Plural noun for the rows ("members"): the table's accessible name and the footer count. */
  noun: string;
  columns: DataTableColumns<TData>;
  /** Undefined while the first load is in flight. */
  data: TData[] | undefined;
  getRowId: (row: TData) => string;
  isLoading?: boolean;
  error?: { message: string } | null;
  onRetry?: () => void;
  searchPlaceholder?: string;
  facets?: DataTableFacet[];
  initialSorting?: SortingState;
  pageSizes?: number[];
  /**
   * A row to show: the table turns to its page (clearing filters that hide it), scrolls it into
   * view and highlights it for a moment; it keeps `data-highlighted` for as long as this is set.
   */
  highlightRowId?: string | null;
  /** Shown when there are no rows at all (not when a filter hides them). */
  empty: {
    icon: ComponentType<{ className?: string }>;
    title: string;
    description: ReactNode;
    action?: ReactNode;
  };
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** A date in a cell, "Mar 4, 2026"; ISO strings are kept as they came for `dateTime`. */
export function DateCell({ value }: { value: Date | string }) {
  return (
    <time
      dateTime={typeof value === 'string' ? value : value.toISOString()}
      className="text-slate-600 tabular-nums"
    >
      {dateFormat.format(typeof value === 'string' ? new Date(value) : value)}
    </time>
  );
}

const NO_ROWS: never[] = [];
const SKELETON_ROWS = 4;

export function DataTable<TData extends RowData>({
  noun,
  columns,
  data,
  getRowId,
  isLoading = false,
  error,
  onRetry,
  searchPlaceholder = 'Search…',
  facets = [],
  initialSorting = [],
  pageSizes = [10, 25, 50],
  highlightRowId = null,
  empty,
}: DataTableProps<TData>) {
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data: data ?? NO_ROWS,
    getRowId,
    globalFilterFn: 'includesString',
    initialState: {
      sorting: initialSorting,
      pagination: { pageIndex: 0, pageSize: pageSizes[0] ?? 10 },
    },
  });

  const { pagination, columnFilters } = table.state;
  const glowingRowId = useRowHighlight(table, data, getRowId, highlightRowId);
  const globalFilter = (table.state.globalFilter as string | undefined) ?? '';
  const total = data?.length ?? 0;
  const matching = table.getPrePaginatedRowModel().rows.length;
  const rows = table.getRowModel().rows;
  const leafColumns = table.getAllLeafColumns();
  const filtered = Boolean(globalFilter) || columnFilters.length > 0;
  const first = matching === 0 ? 0 : pagination.pageIndex * pagination.pageSize + 1;
  const last = Math.min(matching, (pagination.pageIndex + 1) * pagination.pageSize);
  const loading = data === undefined && isLoading && !error;
  const failed = data === undefined && !!error;

  const clearFilters = () => {
    table.resetGlobalFilter(true);
    table.resetColumnFilters(true);
  };

  let body: ReactNode;
  if (loading) {
    body = Array.from({ length: SKELETON_ROWS }, (_, i) => (
      <tr key={i} aria-hidden="true">
        {leafColumns.map((column) => (
          <td key={column.id} className={cx('px-4 py-3.5', column.columnDef.meta?.className)}>
            <Skeleton kind={column.columnDef.meta?.skeleton} />
          </td>
        ))}
      </tr>
    ));
  } else if (failed) {
    body = (
      <FullWidthRow span={leafColumns.length}>
        <div role="alert" className="flex flex-col items-center px-6 py-12 text-center">
          <div className="flex size-11 items-center justify-center rounded-full bg-red-50 text-red-600">
            <WarningIcon className="size-5.5" />
          </div>
          <p className="mt-4 text-sm font-semibold text-slate-900">We couldn&apos;t load the {noun}</p>
          <p className="mt-1 max-w-sm text-sm text-slate-600">{error.message}</p>
          {onRetry && (
            <Button variant="secondary" size="sm" className="mt-5" onClick={onRetry}>
              <RetryIcon className="size-4" />
              Try again
            </Button>
          )}
        </div>
      </FullWidthRow>
    );
  } else if (total === 0) {
    body = (
      <FullWidthRow span={leafColumns.length}>
        <EmptyState icon={empty.icon} title={empty.title} description={empty.description}>
          {empty.action}
        </EmptyState>
      </FullWidthRow>
    );
  } else if (rows.length === 0) {
    body = (
      <FullWidthRow span={leafColumns.length}>
        <div className="flex flex-col items-center px-6 py-12 text-center">
          <SearchIcon className="size-6 text-slate-400" />
          <p className="mt-3 text-sm font-semibold text-slate-900">No {noun} match your filters</p>
          <p className="mt-1 text-sm text-slate-600">Try a different search, or clear the filters.</p>
          <Button variant="secondary" size="sm" className="mt-5" onClick={clearFilters}>
            Clear filters
          </Button>
        </div>
      </FullWidthRow>
    );
  } else {
    body = rows.map((row) => (
      <tr
        key={row.id}
        data-row-id={row.id}
        data-highlighted={row.id === highlightRowId || undefined}
        className={cx(
          'transition-colors duration-700',
          row.id === glowingRowId ? 'bg-brand-50 hover:bg-brand-50' : 'hover:bg-slate-50/70',
        )}
      >
        {row.getAllCells().map((cell) => (
          <td
            key={cell.id}
            className={cx(
              'px-4 py-3 align-middle text-sm text-slate-700',
              cell.column.columnDef.meta?.className,
            )}
          >
            <table.FlexRender cell={cell} />
          </td>
        ))}
      </tr>
    ));
  }

  const showToolbar = !failed && (total > 0 || filtered);

  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
      {showToolbar && (
        <DataTableToolbar
          table={table}
          noun={noun}
          searchPlaceholder={searchPlaceholder}
          facets={facets}
          globalFilter={globalFilter}
          filtered={filtered}
          onClear={clearFilters}
        />
      )}
      <div className="overflow-x-auto">
        <table className="w-full border-collapse" aria-label={noun} aria-busy={loading || undefined}>
          {/* Headers (and their sort buttons) only make sense over rows, or rows to come. */}
          <thead className={cx('bg-slate-50/80', !loading && total === 0 && 'sr-only')}>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id} className="border-b border-slate-200">
                {group.headers.map((header) => (
                  <HeaderCell key={header.id} header={header}>
                    {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                  </HeaderCell>
                ))}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-slate-100">{body}</tbody>
        </table>
      </div>
      {!loading && !failed && total > 0 && (
        <PaginationFooter
          summary={
            matching === 0 ? (
              <>No matching {noun}</>
            ) : (
              <>
                Showing <span className="font-medium text-slate-900">{first}</span>–
                <span className="font-medium text-slate-900">{last}</span> of{' '}
                <span className="font-medium text-slate-900">{matching}</span> {noun}
                {filtered && matching !== total ? ` (${total} in all)` : ''}
              </>
            )
          }
          pageSize={pagination.pageSize}
          pageSizes={pageSizes}
          page={`Page ${table.getPageCount() === 0 ? 0 : pagination.pageIndex + 1} of ${table.getPageCount()}`}
          table={table}
        />
      )}
    </div>
  );
}

function HeaderCell<TData extends RowData>({
  header,
  children,
}: {
  header: Header<DataTableFeatures, TData>;
  children: ReactNode;
}) {
  const column = header.column;
  const className = cx(
    'px-4 py-2.5 text-left text-xs font-medium tracking-wide text-slate-500 uppercase',
    column.columnDef.meta?.className,
  );
  if (header.isPlaceholder || !column.getCanSort()) {
    return (
      <th scope="col" className={className}>
        {children}
      </th>
    );
  }
  const sorted = column.getIsSorted();
  const Icon = sorted === 'asc' ? ArrowUpIcon : sorted === 'desc' ? ArrowDownIcon : SortIcon;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
    >
      <button
        type="button"
        onClick={column.getToggleSortingHandler()}
        className="group -mx-1.5 inline-flex items-center gap-1.5 rounded-md px-1.5 py-1 tracking-wide uppercase hover:bg-slate-100 hover:text-slate-700"
      >
        {children}
        <Icon
          className={cx('size-3.5', sorted ? 'text-slate-700' : 'text-slate-300 group-hover:text-slate-400')}
        />
      </button>
    </th>
  );
}

function FullWidthRow({ span, children }: { span: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={span} className="p-0">
        {children}
      </td>
    </tr>
  );
}

function Skeleton({ kind = 'text' }: { kind?: DataTableColumnMeta['skeleton'] }) {
  if (kind === 'avatar') {
    return (
      <div className="flex items-center gap-3">
        <div className="size-9 animate-pulse rounded-full bg-slate-200" />
        <div className="flex flex-col gap-1.5">
          <div className="h-3 w-32 animate-pulse rounded bg-slate-200" />
          <div className="h-2.5 w-44 animate-pulse rounded bg-slate-100" />
        </div>
      </div>
    );
  }
  if (kind === 'badge') return <div className="h-5 w-16 animate-pulse rounded-md bg-slate-200" />;
  return <div className="h-3 w-24 animate-pulse rounded bg-slate-200" />;
}
