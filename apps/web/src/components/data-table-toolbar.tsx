'use client';

import type { ReactTable, RowData } from '@tanstack/react-table';
import { useId } from 'react';
import type { DataTableFacet, DataTableFeatures } from './data-table.tsx';
import { SearchIcon } from './icons.tsx';
import { Button } from './ui/button.tsx';

/** Above the table: the search box, a select per facet, and Clear while anything is filtered. */
export function DataTableToolbar<TData extends RowData>({
  table,
  noun,
  searchPlaceholder,
  facets,
  globalFilter,
  filtered,
  onClear,
}: {
  table: ReactTable<DataTableFeatures, TData>;
  noun: string;
  searchPlaceholder: string;
  facets: DataTableFacet[];
  globalFilter: string;
  filtered: boolean;
  onClear: () => void;
}) {
  const searchId = useId();
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-3">
      <div className="relative w-full sm:w-72">
        <label htmlFor={searchId} className="sr-only">
          Search {noun}
        </label>
        <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400" />
        <input
          id={searchId}
          type="search"
          value={globalFilter}
          onChange={(e) => table.setGlobalFilter(e.target.value)}
          placeholder={searchPlaceholder}
          className="h-9 w-full rounded-lg bg-white pr-3 pl-9 text-sm text-slate-900 ring-1 ring-slate-300 outline-none ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500"
        />
      </div>
      {facets.map((facet) => {
        const column = table.getColumn(facet.columnId);
        if (!column) return null;
        return (
          <select
            key={facet.columnId}
            aria-label={facet.allLabel.replace(/^All /, 'Filter by ')}
            value={(column.getFilterValue() as string | undefined) ?? ''}
            onChange={(e) => column.setFilterValue(e.target.value || undefined)}
            className="h-9 rounded-lg bg-white pr-8 pl-3 text-sm text-slate-700 ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500"
          >
            <option value="">{facet.allLabel}</option>
            {facet.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        );
      })}
      {filtered && (
        <Button variant="ghost" size="sm" onClick={onClear}>
          Clear
        </Button>
      )}
    </div>
  );
}
