import type { Installation, Tool } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { dataTableColumnHelper } from '~/components/data-table';
import { ServerIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import type { InstallIntent } from './install-dialog';
import { AUTH_LABELS, STDIO_UNAVAILABLE, TRANSPORT_LABELS } from './labels';
import { RegistryEntryActions } from './registry-entry-actions';
import { StatusBadge } from './status-badge';

export interface InstalledServer {
  installation: Installation;
  tools: Tool[];
}

export interface ServerRow {
  entry: RegistryEntry;
  /** The caller's visible installations of this entry, org-wide first. */
  installed: InstalledServer[];
  /** A local server on a deployment that refuses them. */
  unavailable: boolean;
}

const column = dataTableColumnHelper<ServerRow>();

/** The registry table: server, transport, auth, status of its installations, and what the caller may do. */
export function serverColumns({
  isAdmin,
  jwksUrl,
  oauthRedirectUri,
  onIntent,
}: {
  isAdmin: boolean;
  jwksUrl: string;
  oauthRedirectUri: string;
  /** Install (or request) a server. */
  onIntent: (intent: InstallIntent) => void;
}) {
  return column.columns([
    column.accessor((r) => `${r.entry.name} ${r.entry.slug} ${r.entry.description}`, {
      id: 'name',
      header: 'Server',
      sortFn: 'text',
      cell: (info) => {
        const { entry } = info.row.original;
        return (
          <div className="flex min-w-0 items-center gap-3">
            <span className="flex size-9 shrink-0 items-center justify-center overflow-hidden rounded-lg bg-brand-50 text-brand-600">
              {entry.iconUrl ? (
                // A tenant-supplied URL: a plain img, never Next's optimizer (a server-side fetch).
                <img src={entry.iconUrl} alt="" className="size-6 object-contain" />
              ) : (
                <ServerIcon className="size-5" />
              )}
            </span>
            {/* Bounded, so long URLs and commands truncate instead of pushing the actions off the page. */}
            <div className="min-w-0 max-w-md">
              <p className="flex items-center gap-2 truncate font-medium text-slate-900">
                {entry.name}
                <Badge tone={entry.builtIn ? 'slate' : 'brand'}>{entry.builtIn ? 'Catalog' : 'Custom'}</Badge>
              </p>
              <p className="truncate font-mono text-xs text-slate-500">
                {entry.transport === 'builtin'
                  ? 'Built into Toolgate: each tool runs as the caller, with their role'
                  : (entry.url ??
                    [
                      entry.package ? `${entry.package}@${entry.version ?? '?'}` : entry.command,
                      ...entry.args,
                    ].join(' '))}
                {entry.transport === 'stdio' && entry.network === 'egress' ? ' · network' : ''}
              </p>
              {!entry.builtIn && entry.description && (
                <p className="line-clamp-1 text-xs text-slate-600">{entry.description}</p>
              )}
              {entry.docsUrl && (
                <a
                  href={entry.docsUrl}
                  target="_blank"
                  rel="noreferrer noopener"
                  className="text-xs text-brand-700 hover:underline"
                >
                  Docs
                </a>
              )}
            </div>
          </div>
        );
      },
      meta: { skeleton: 'avatar' },
    }),
    column.accessor((r) => TRANSPORT_LABELS[r.entry.transport], {
      id: 'transport',
      header: 'Transport',
      sortFn: 'text',
      meta: { className: 'w-36' },
      cell: (info) => <span className="text-slate-600">{info.getValue()}</span>,
    }),
    column.accessor((r) => AUTH_LABELS[r.entry.authKind], {
      id: 'auth',
      header: 'Auth',
      sortFn: 'text',
      meta: { className: 'w-32' },
      cell: (info) => <span className="text-slate-600">{info.getValue()}</span>,
    }),
    column.accessor((r) => (r.installed[0] ? r.installed[0].installation.status : 'not installed'), {
      id: 'status',
      header: 'Status',
      sortFn: 'text',
      enableGlobalFilter: false,
      meta: { className: 'w-52', skeleton: 'badge' },
      cell: (info) => <EntryStatus row={info.row.original} />,
    }),
    column.display({
      id: 'actions',
      header: () => <span className="sr-only">Actions</span>,
      meta: { className: 'w-56 text-right' },
      cell: (info) => {
        const { entry, unavailable } = info.row.original;
        if (unavailable)
          return (
            <span title={STDIO_UNAVAILABLE} className="inline-flex">
              <Badge tone="amber">Unavailable</Badge>
              <span className="sr-only">{STDIO_UNAVAILABLE}</span>
            </span>
          );
        if (isAdmin)
          return (
            <div className="flex justify-end gap-1">
              <RegistryEntryActions entry={entry} jwksUrl={jwksUrl} oauthRedirectUri={oauthRedirectUri} />
              <Button
                size="sm"
                variant="secondary"
                onClick={() => onIntent({ kind: 'install', entry, scope: 'org' })}
              >
                Install
              </Button>
            </div>
          );
        return (
          <div className="flex justify-end gap-2">
            <Button
              size="sm"
              variant="secondary"
              onClick={() => onIntent({ kind: 'install', entry, scope: 'org' })}
            >
              Request
            </Button>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => onIntent({ kind: 'install', entry, scope: 'personal' })}
            >
              Install for me
            </Button>
          </div>
        );
      },
    }),
  ]);
}

function EntryStatus({ row }: { row: ServerRow }) {
  const [first, ...others] = row.installed;
  if (!first) return <span className="text-xs text-slate-500">Not installed</span>;
  const toolCount = first.tools.filter((t) => t.enabled).length;
  return (
    <span className="flex flex-wrap items-center gap-2">
      <StatusBadge status={first.installation.status} />
      <span className="text-xs text-slate-500 tabular-nums">
        {toolCount} {toolCount === 1 ? 'tool' : 'tools'}
        {others.length > 0 ? ` · ${others.length + 1} installations` : ''}
      </span>
    </span>
  );
}
