import type { Approval } from '@toolgate/api/schemas/approvals';
import { dataTableColumnHelper } from '~/components/data-table';
import { timeAgo } from '~/components/time-ago';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { approversLabel, deciderLabel, STATUS_LABELS, STATUS_TONES } from './labels';

const column = dataTableColumnHelper<Approval>();
const fullDate = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** The arguments, folded: long JSON would drown the table. */
function Arguments({ value }: { value: unknown }) {
  const count = value !== null && typeof value === 'object' ? Object.keys(value).length : 0;
  if (count === 0) return <span className="text-xs text-slate-400">No arguments</span>;
  return (
    <details className="group">
      <summary className="cursor-pointer text-sm whitespace-nowrap text-brand-700 select-none hover:text-brand-800">
        <span className="group-open:hidden">Show {count === 1 ? '1 argument' : `${count} arguments`}</span>
        <span className="hidden group-open:inline">Hide arguments</span>
      </summary>
      <pre className="mt-2 max-h-64 w-56 overflow-auto rounded-lg bg-slate-950 px-3 py-2 font-mono text-xs leading-5 text-slate-100">
        {json(value)}
      </pre>
    </details>
  );
}

/**
 * The Approvals table: tool (its gateway, its arguments folded), caller (and agent), policy,
 * waiting since, status with the decision, and Approve / Deny for the requests the viewer may decide.
 */
export function approvalColumns({
  now,
  onDecide,
}: {
  now: number;
  onDecide: (row: Approval, decision: 'approve' | 'deny') => void;
}) {
  return column.columns([
    column.accessor((r) => `${r.tool} ${r.gateway.name} ${r.gateway.slug}`, {
      id: 'tool',
      header: 'Tool · arguments',
      sortFn: 'text',
      cell: (info) => (
        <div className="flex flex-col gap-1">
          <div className="flex flex-col">
            <span className="font-mono text-sm font-medium break-words text-slate-900">
              {info.row.original.tool}
            </span>
            <span className="text-xs text-slate-500">on {info.row.original.gateway.name}</span>
          </div>
          <Arguments value={info.row.original.args} />
        </div>
      ),
    }),
    column.accessor((r) => `${r.caller.label || r.caller.principalId} ${r.agent}`, {
      id: 'caller',
      header: 'Caller · agent',
      sortFn: 'text',
      meta: { className: 'min-w-32' },
      cell: (info) => {
        const { caller, agent } = info.row.original;
        return (
          <div className="flex flex-col">
            <span className="[overflow-wrap:anywhere] text-slate-700">
              {caller.label || caller.principalId}
            </span>
            <span className="text-xs text-slate-500">{agent ? `via ${agent}` : 'agent unknown'}</span>
          </div>
        );
      },
    }),
    column.accessor((r) => `${r.policy.name} ${r.policy.message}`, {
      id: 'policy',
      header: 'Policy',
      sortFn: 'text',
      meta: { className: 'min-w-40' },
      cell: (info) => {
        const { policy } = info.row.original;
        return (
          <div className="flex flex-col">
            <span className="font-medium text-slate-900">{policy.name}</span>
            {policy.message && <span className="text-xs text-slate-600">{policy.message}</span>}
            <span className="text-xs text-slate-500">Approvers: {approversLabel(info.row.original)}</span>
          </div>
        );
      },
    }),
    column.accessor('createdAt', {
      header: 'Waiting since',
      sortFn: 'text',
      enableGlobalFilter: false,
      cell: (info) => (
        <time
          className="whitespace-nowrap"
          dateTime={info.getValue()}
          title={fullDate.format(Date.parse(info.getValue()))}
        >
          {timeAgo(info.getValue(), now)}
        </time>
      ),
    }),
    column.accessor('status', {
      header: 'Status',
      sortFn: 'text',
      enableGlobalFilter: false,
      meta: { skeleton: 'badge' },
      cell: (info) => {
        const row = info.row.original;
        return (
          <div className="flex flex-col items-start gap-1">
            <Badge tone={STATUS_TONES[row.status]}>{STATUS_LABELS[row.status]}</Badge>
            {row.decidedAt && (
              <span className="text-xs text-slate-600">
                by {deciderLabel(row)}, {timeAgo(row.decidedAt, now)}
              </span>
            )}
            {row.note && <span className="text-xs text-slate-700">“{row.note}”</span>}
            {row.canDecide && (
              <div className="mt-1 flex flex-col items-stretch gap-1.5">
                <Button size="sm" aria-label={`Approve ${row.tool}`} onClick={() => onDecide(row, 'approve')}>
                  Approve
                </Button>
                <Button
                  size="sm"
                  variant="secondary"
                  aria-label={`Deny ${row.tool}`}
                  onClick={() => onDecide(row, 'deny')}
                >
                  Deny
                </Button>
              </div>
            )}
          </div>
        );
      },
    }),
  ]);
}
