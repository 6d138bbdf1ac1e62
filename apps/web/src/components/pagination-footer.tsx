import type { ReactNode } from 'react';
import { ChevronLeftIcon, ChevronRightIcon } from './icons.tsx';
import { Button } from './ui/button.tsx';

/** The table's foot: what is shown, the page size, and previous/next (client- or server-paginated). */
export function PaginationFooter({
  summary,
  pageSize,
  pageSizes,
  page,
  table,
}: {
  summary: ReactNode;
  pageSize: number;
  pageSizes: readonly number[];
  /** "Page 2 of 5", or "Page 2" when the total is unknown. */
  page: string;
  table: {
    setPageSize: (size: number) => void;
    previousPage: () => void;
    nextPage: () => void;
    getCanPreviousPage: () => boolean;
    getCanNextPage: () => boolean;
  };
}) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 px-4 py-3 text-sm text-slate-600">
      <p aria-live="polite">{summary}</p>
      <div className="flex items-center gap-4">
        <label className="flex items-center gap-2 whitespace-nowrap">
          <span className="max-sm:sr-only">Rows per page</span>
          <select
            value={pageSize}
            onChange={(e) => table.setPageSize(Number(e.target.value))}
            className="h-8 rounded-md bg-white pr-7 pl-2 text-sm text-slate-700 ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500"
          >
            {pageSizes.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <span className="whitespace-nowrap tabular-nums">{page}</span>
        <div className="flex gap-1">
          <Button
            variant="secondary"
            size="sm"
            aria-label="Previous page"
            onClick={() => table.previousPage()}
            disabled={!table.getCanPreviousPage()}
          >
            <ChevronLeftIcon className="size-4" />
          </Button>
          <Button
            variant="secondary"
            size="sm"
            aria-label="Next page"
            onClick={() => table.nextPage()}
            disabled={!table.getCanNextPage()}
          >
            <ChevronRightIcon className="size-4" />
          </Button>
        </div>
      </div>
    </div>
  );
}
