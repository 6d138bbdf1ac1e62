import { DateCell, dataTableColumnHelper } from '~/components/data-table';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import type { Connection } from './labels';

export type ConnectionRow = Connection & {
  /** "You", a member's name, "Team: Design", "Organization". */
  whose: string;
  /** Whether the caller may disconnect it. */
  canManage: boolean;
  /** Whether the caller may sign it in again (a personal account: its member only). */
  canReconnect: boolean;
};

const column = dataTableColumnHelper<ConnectionRow>();
const when = (iso: string | null, none: string) =>
  iso ? <DateCell value={iso} /> : <span className="text-slate-400">{none}</span>;

/** The Connected accounts table: server, whose, account, scopes, status, dates, actions. */
export function connectionColumns({
  reconnectingId,
  onReconnect,
  onDisconnect,
}: {
  /** The connection whose sign-in is being started, if any. */
  reconnectingId: string | null;
  onReconnect: (row: ConnectionRow) => void;
  onDisconnect: (row: ConnectionRow) => void;
}) {
  return column.columns([
    column.accessor((c) => `${c.server.name} ${c.server.slug}`, {
      id: 'server',
      header: 'Server',
      sortFn: 'text',
      cell: (info) => (
        <span className="font-medium text-slate-900" title={`Signs in at ${info.row.original.issuer}`}>
          {info.row.original.server.name}
        </span>
      ),
    }),
    column.accessor('whose', {
      header: 'Whose',
      sortFn: 'text',
      meta: { className: 'w-24' },
      cell: (info) => <span className="text-slate-700">{info.getValue()}</span>,
    }),
    column.accessor((c) => c.account ?? '', {
      id: 'account',
      header: 'Account',
      sortFn: 'text',
      meta: { className: 'w-28' },
      cell: (info) =>
        info.row.original.account ? (
          <span className="break-all text-slate-700">{info.row.original.account}</span>
        ) : (
          <span className="text-slate-400">—</span>
        ),
    }),
    column.accessor((c) => c.scopes.join(' '), {
      id: 'scopes',
      header: 'Scopes',
      enableSorting: false,
      meta: { className: 'w-32' },
      cell: (info) =>
        info.row.original.scopes.length === 0 ? (
          <span className="text-slate-400">—</span>
        ) : (
          <div className="flex flex-wrap gap-1">
            {info.row.original.scopes.map((s) => (
              <Badge key={s} tone="slate">
                {s}
              </Badge>
            ))}
          </div>
        ),
    }),
    column.accessor('status', {
      header: 'Status',
      sortFn: 'text',
      filterFn: 'equalsString',
      enableGlobalFilter: false,
      meta: { className: 'w-32', skeleton: 'badge' },
      cell: (info) =>
        info.getValue() === 'active' ? (
          <Badge tone="green">Active</Badge>
        ) : (
          <div className="flex flex-col items-start gap-1">
            <Badge tone="amber">Reconnect needed</Badge>
            {info.row.original.lastError && (
              <span className="text-xs text-slate-600">{info.row.original.lastError}</span>
            )}
          </div>
        ),
    }),
    column.accessor('connectedAt', {
      header: 'Connected',
      sortFn: 'text',
      enableGlobalFilter: false,
      meta: { className: 'w-28' },
      cell: (info) => when(info.getValue(), '—'),
    }),
    column.accessor((c) => c.lastRefreshedAt ?? '', {
      id: 'lastRefreshed',
      header: 'Last refreshed',
      sortFn: 'text',
      enableGlobalFilter: false,
      meta: { className: 'w-28' },
      cell: (info) => when(info.row.original.lastRefreshedAt, 'Never'),
    }),
    column.display({
      id: 'actions',
      header: () => <span className="sr-only">Actions</span>,
      meta: { className: 'w-28 text-right' },
      cell: (info) => {
        const row = info.row.original;
        if (!row.canManage) return null;
        return (
          <div className="flex flex-col items-end gap-1">
            {row.canReconnect && (
              <Button
                size="sm"
                variant={row.status === 'needs_reconnect' ? 'secondary' : 'ghost'}
                aria-label={`Reconnect ${row.server.name} (${row.whose})`}
                pending={row.id === reconnectingId}
                disabled={reconnectingId !== null}
                onClick={() => onReconnect(row)}
              >
                Reconnect
              </Button>
            )}
            <Button
              size="sm"
              variant="ghost"
              aria-label={`Disconnect ${row.server.name} (${row.whose})`}
              onClick={() => onDisconnect(row)}
            >
              Disconnect
            </Button>
          </div>
        );
      },
    }),
  ]);
}
