'use client';

import {
  createColumnHelper,
  rowPaginationFeature,
  tableFeatures,
  useTable,
  type PaginationState,
  type Updater,
} from '@tanstack/react-table';
import type { LogEntry } from '@toolgate/api/schemas/usage';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { PaginationFooter } from '~/components/data-table';
import { cx } from '~/components/ui/cx';
import {
  AUTH_METHOD_LABELS,
  formatCount,
  formatEventTime,
  formatMs,
  methodLabel,
} from '~/components/usage/format';
import { DlpBadge, POLICY_DECISION_LABELS } from '~/components/usage/dlp-badge';
import { StatusBadge } from '~/components/usage/status-badge';
import { connectionEventLabel, isConnectionEvent } from './connection-events';
import { denyReasonText } from './deny-reasons';

/** Pagination is the server's: the table only holds the page it is shown. */
const features = tableFeatures({ rowPaginationFeature });
const column = createColumnHelper<typeof features, LogEntry>();

const muted = (value: ReactNode) => <span className="text-slate-400">{value}</span>;

export const PAGE_SIZES = [25, 50, 100, 200];

export function LogsTable({
  tenantSlug,
  events,
  pagination,
  onPaginationChange,
  hasNextPage,
  total,
  loading,
  empty,
}: {
  tenantSlug: string;
  events: LogEntry[];
  pagination: PaginationState;
  onPaginationChange: (updater: Updater<PaginationState>) => void;
  hasNextPage: boolean;
  /** Matching events (counted on the first page, capped), when known. */
  total: { count: number; capped: boolean } | null;
  loading: boolean;
  empty: ReactNode;
}) {
  const router = useRouter();
  const detail = (id: string) => `/t/${tenantSlug}/logs/${id}`;
  const columns = column.columns([
    column.accessor('occurredAt', {
      header: 'Time',
      cell: (info) => (
        <Link
          href={detail(info.row.original.id)}
          className="font-mono text-xs whitespace-nowrap text-slate-700 hover:text-brand-700 hover:underline"
          onClick={(e) => e.stopPropagation()}
        >
          <time dateTime={info.getValue()}>{formatEventTime(info.getValue())}</time>
        </Link>
      ),
    }),
    column.accessor('status', {
      header: 'Status',
      cell: (info) => <StatusBadge status={info.getValue()} />,
    }),
    column.accessor((e) => e.toolName ?? e.requestedName ?? e.method, {
      id: 'call',
      header: 'Call',
      cell: (info) => {
        const e = info.row.original;
        const connection = isConnectionEvent(e.method);
        // A connection event keeps the very message the person was shown: more telling than its reason.
        const reason = e.denyReason ? denyReasonText(e.denyReason, e.method) : null;
        const problem = connection ? (e.errorMessage ?? reason) : (reason ?? e.errorMessage);
        return (
          <div className="min-w-0" data-testid="log-call">
            <p className="truncate font-medium text-slate-900">
              {e.toolName ??
                e.requestedName ??
                (connection ? connectionEventLabel(e.method, e.status) : methodLabel(e.method))}
            </p>
            {(e.toolName ?? e.requestedName ?? connection) && (
              <p className="truncate text-xs text-slate-500">
                {e.method}
                {e.requestedName && !e.toolName ? ' · not on this gateway' : ''}
              </p>
            )}
            {(problem || e.errorCode !== null) && (
              <p className="line-clamp-2 text-xs text-red-600" title={problem ?? undefined}>
                {problem ?? ''}
                {e.errorCode !== null && (
                  <span className="text-red-500 tabular-nums">
                    {problem ? ' · ' : ''}code {e.errorCode}
                  </span>
                )}
              </p>
            )}
          </div>
        );
      },
    }),
    column.accessor('policyDecision', {
      header: 'Policy',
      cell: (info) => {
        const decision = info.getValue();
        if (!decision) return muted('—');
        const label = POLICY_DECISION_LABELS[decision];
        return (
          <span className={cx('whitespace-nowrap', decision === 'none' && 'text-slate-400')}>{label}</span>
        );
      },
    }),
    column.accessor('dlpOutcome', {
      header: 'DLP',
      cell: (info) => {
        const outcome = info.getValue();
        return outcome ? <DlpBadge outcome={outcome} findings={info.row.original.dlpFindings} /> : muted('—');
      },
    }),
    column.accessor((e) => e.gateway?.label ?? '', {
      id: 'gateway',
      header: 'Gateway',
      cell: (info) => info.getValue() || muted('—'),
    }),
    column.accessor((e) => e.server?.label ?? '', {
      id: 'server',
      header: 'Server',
      cell: (info) => info.getValue() || muted('—'),
    }),
    column.accessor((e) => e.caller?.label ?? '', {
      id: 'caller',
      header: 'Caller',
      cell: (info) => (
        <div className="min-w-0">
          <p className="truncate">{info.getValue() || muted('Unknown')}</p>
          {info.row.original.authMethod && (
            <p className="text-xs text-slate-500">
              {AUTH_METHOD_LABELS[info.row.original.authMethod] ?? info.row.original.authMethod}
            </p>
          )}
        </div>
      ),
    }),
    column.accessor((e) => e.agent?.label ?? '', {
      id: 'agent',
      header: 'Agent',
      cell: (info) => {
        const agent = info.row.original.agent;
        // An OAuth client shows its registered name; its client id is a hover away.
        return agent ? (
          <p className="truncate" title={agent.label === agent.id ? undefined : agent.id}>
            {agent.label}
          </p>
        ) : (
          muted('—')
        );
      },
    }),
    column.accessor('latencyMs', {
      header: () => <span className="block text-right">Latency</span>,
      cell: (info) => <span className="block text-right tabular-nums">{formatMs(info.getValue())}</span>,
    }),
  ]);

  const table = useTable({
    features,
    columns,
    data: events,
    getRowId: (e) => e.id,
    manualPagination: true,
    // Keyset pages: the next page exists while the server hands out a cursor.
    pageCount: hasNextPage ? pagination.pageIndex + 2 : pagination.pageIndex + 1,
    state: { pagination },
    onPaginationChange,
  });
  const rows = table.getRowModel().rows;
  const first = pagination.pageIndex * pagination.pageSize + 1;
  const last = pagination.pageIndex * pagination.pageSize + events.length;

  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
      <div className="overflow-x-auto">
        <table className="w-full border-collapse" aria-label="Calls" aria-busy={loading || undefined}>
          <thead className="bg-slate-50/80">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id} className="border-b border-slate-200">
                {group.headers.map((header) => (
                  <th
                    key={header.id}
                    scope="col"
                    className="px-4 py-2.5 text-left text-xs font-medium tracking-wide whitespace-nowrap text-slate-500 uppercase"
                  >
                    {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody className={cx('divide-y divide-slate-100', loading && 'opacity-60')}>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="p-0">
                  {empty}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr
                  key={row.id}
                  onClick={() => router.push(detail(row.original.id))}
                  className="cursor-pointer transition-colors hover:bg-slate-50/70"
                >
                  {row.getAllCells().map((cell) => (
                    <td
                      key={cell.id}
                      className={cx(
                        'px-4 py-2.5 align-middle text-sm text-slate-700',
                        cell.column.id === 'call' ? 'max-w-80' : 'max-w-56',
                      )}
                    >
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {(rows.length > 0 || pagination.pageIndex > 0) && (
        <PaginationFooter
          summary={
            events.length === 0 ? (
              'No more calls'
            ) : (
              <>
                Showing <span className="font-medium text-slate-900">{formatCount(first)}</span>–
                <span className="font-medium text-slate-900">{formatCount(last)}</span>
                {total && (
                  <>
                    {' '}
                    of{' '}
                    <span className="font-medium text-slate-900">
                      {formatCount(total.count)}
                      {total.capped ? '+' : ''}
                    </span>
                  </>
                )}{' '}
                calls
              </>
            )
          }
          pageSize={pagination.pageSize}
          pageSizes={PAGE_SIZES}
          page={`Page ${pagination.pageIndex + 1}`}
          table={table}
        />
      )}
    </div>
  );
}
