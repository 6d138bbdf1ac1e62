import type { UsageTop } from '@toolgate/api/schemas/usage';
import Link from 'next/link';
import { formatCount, formatMs } from './format.ts';

/**
 * A ranking as horizontal bars: calls (errors in red at the bar's end), the count and the mean
 * latency. Each row links to the logs filtered to it.
 */
export function BarList({
  title,
  rows,
  href,
  empty = 'Nothing in this window',
}: {
  title: string;
  rows: UsageTop[];
  /** Where a row leads (the logs filtered to it); none for plain rows. */
  href?: (row: UsageTop) => string;
  empty?: string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.calls));
  return (
    <section aria-label={title} className="rounded-xl border border-slate-200 bg-white shadow-xs">
      <div className="flex items-center justify-between border-b border-slate-200 px-4 py-3">
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        <span className="text-xs text-slate-500">Calls · avg</span>
      </div>
      {rows.length === 0 ? (
        <p className="px-4 py-6 text-sm text-slate-500">{empty}</p>
      ) : (
        <ol className="flex flex-col gap-1 p-2">
          {rows.map((row) => {
            const okWidth = ((row.calls - row.errors) / max) * 100;
            const errorWidth = (row.errors / max) * 100;
            const content = (
              <>
                <div className="relative min-w-0 flex-1">
                  <div aria-hidden="true" className="absolute inset-0 flex overflow-hidden rounded-md">
                    <div className="h-full bg-brand-100" style={{ width: `${okWidth}%` }} />
                    <div className="h-full bg-red-100" style={{ width: `${errorWidth}%` }} />
                  </div>
                  <span
                    className="relative block truncate px-2 py-1.5 text-sm text-slate-800"
                    title={row.label}
                  >
                    {row.label}
                  </span>
                </div>
                <span className="w-24 shrink-0 text-right text-sm text-slate-700 tabular-nums">
                  {formatCount(row.calls)}
                  {row.errors > 0 && (
                    <span className="ml-1 text-xs text-red-600" title={`${row.errors} errors`}>
                      ({formatCount(row.errors)}✕)
                    </span>
                  )}
                </span>
                <span className="w-16 shrink-0 text-right text-xs text-slate-500 tabular-nums">
                  {formatMs(row.avgMs)}
                </span>
              </>
            );
            return (
              <li key={row.id}>
                {href ? (
                  <Link
                    href={href(row)}
                    className="flex items-center gap-3 rounded-md pr-2 hover:bg-slate-50 focus-visible:outline-2"
                  >
                    {content}
                  </Link>
                ) : (
                  <div className="flex items-center gap-3 pr-2">{content}</div>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
