'use client';

import type { ReactTable, RowData } from '@tanstack/react-table';
import { useEffect, useState } from 'react';
import type { DataTableFeatures } from './data-table.tsx';

/**
 * Shows the row `highlightRowId` names once it is in `data`: turns the table to its page (clearing
 * filters that hide it), scrolls it into view (without smooth motion when the user asks for reduced
 * motion) and returns its id while it glows, for a moment; null otherwise.
 */
export function useRowHighlight<TData extends RowData>(
  table: ReactTable<DataTableFeatures, TData>,
  data: TData[] | undefined,
  getRowId: (row: TData) => string,
  highlightRowId: string | null,
): string | null {
  /** The highlighted row once it has been brought into view, while it glows. */
  const [shown, setShown] = useState<string | null>(null);
  const [glowing, setGlowing] = useState(false);
  const highlightIndex = highlightRowId
    ? table.getPrePaginatedRowModel().rows.findIndex((r) => r.id === highlightRowId)
    : -1;
  const highlightExists = highlightRowId ? (data ?? []).some((r) => getRowId(r) === highlightRowId) : false;
  useEffect(() => {
    if (!highlightRowId || !highlightExists || shown === highlightRowId) return;
    if (highlightIndex < 0) {
      // A filter hides it: show everything.
      table.resetGlobalFilter(true);
      table.resetColumnFilters(true);
      return;
    }
    const page = Math.floor(highlightIndex / table.state.pagination.pageSize);
    if (page !== table.state.pagination.pageIndex) return table.setPageIndex(page);
    setShown(highlightRowId);
    setGlowing(true);
    document.querySelector(`[data-row-id="${CSS.escape(highlightRowId)}"]`)?.scrollIntoView({
      block: 'center',
      behavior: window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth',
    });
  }, [highlightRowId, highlightExists, highlightIndex, shown, table]);
  useEffect(() => {
    if (!glowing) return;
    const timer = setTimeout(() => setGlowing(false), 2_500);
    return () => clearTimeout(timer);
  }, [glowing]);
  return glowing ? shown : null;
}
