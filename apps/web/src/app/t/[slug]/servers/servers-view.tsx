'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Installation, Tool } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper } from '~/components/data-table';
import { PlusIcon, RetryIcon, ServerIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { PageHeader } from '~/components/ui/page-header';
import { Spinner } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { AddServerDialog } from './add-server-dialog';
import { InstallDialog } from './install-dialog';
import { StatusBadge } from './status-badge';

export interface InstalledServer {
  installation: Installation;
  tools: Tool[];
}

interface Row {
  entry: RegistryEntry;
  installed: InstalledServer | undefined;
}

const TRANSPORT_LABELS: Record<RegistryEntry['transport'], string> = {
  streamable_http: 'Streamable HTTP',
  sse: 'SSE',
  stdio: 'stdio',
};
const AUTH_LABELS: Record<RegistryEntry['authKind'], string> = {
  none: 'No auth',
  header: 'Header',
  oauth: 'OAuth',
  oauth_passthrough: 'OAuth pass-through',
};

const column = dataTableColumnHelper<Row>();

export function ServersView({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const registry = useQuery(trpc.registry.list.queryOptions());
  const installations = useQuery(trpc.installations.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const [installing, setInstalling] = useState<RegistryEntry | null>(null);

  const rows = useMemo<Row[] | undefined>(() => {
    if (!registry.data) return undefined;
    const byEntry = new Map<string, InstalledServer>();
    for (const i of installations.data ?? []) {
      if (i.installation.scope === 'org') byEntry.set(i.installation.registryEntryId, i);
    }
    return registry.data.map((entry) => ({ entry, installed: byEntry.get(entry.id) }));
  }, [registry.data, installations.data]);

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((r) => `${r.entry.name} ${r.entry.slug} ${r.entry.description}`, {
          id: 'name',
          header: 'Server',
          sortFn: 'text',
          cell: (info) => {
            const { entry } = info.row.original;
            return (
              <div className="flex min-w-0 items-center gap-3">
                <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                  <ServerIcon className="size-5" />
                </span>
                <div className="min-w-0">
                  <p className="flex items-center gap-2 truncate font-medium text-slate-900">
                    {entry.name}
                    <Badge tone={entry.builtIn ? 'slate' : 'brand'}>
                      {entry.builtIn ? 'Catalog' : 'Custom'}
                    </Badge>
                  </p>
                  <p className="truncate font-mono text-xs text-slate-500">{entry.url ?? entry.slug}</p>
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
          meta: { className: 'w-40' },
          cell: (info) => <span className="text-slate-600">{info.getValue()}</span>,
        }),
        column.accessor((r) => AUTH_LABELS[r.entry.authKind], {
          id: 'auth',
          header: 'Auth',
          sortFn: 'text',
          meta: { className: 'w-36' },
          cell: (info) => <span className="text-slate-600">{info.getValue()}</span>,
        }),
        column.accessor((r) => (r.installed ? r.installed.installation.status : 'not installed'), {
          id: 'status',
          header: 'Status',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-56', skeleton: 'badge' },
          cell: (info) => {
            const { entry, installed } = info.row.original;
            if (installed)
              return (
                <span className="flex items-center gap-2">
                  <StatusBadge status={installed.installation.status} />
                  <span className="text-xs text-slate-500 tabular-nums">
                    {installed.tools.length} {installed.tools.length === 1 ? 'tool' : 'tools'}
                  </span>
                </span>
              );
            return isAdmin ? (
              <Button size="sm" variant="secondary" onClick={() => setInstalling(entry)}>
                Install
              </Button>
            ) : (
              <span className="text-xs text-slate-500">Not installed</span>
            );
          },
        }),
      ]),
    [isAdmin],
  );

  const addButton = (
    <Button onClick={() => setAdding(true)}>
      <PlusIcon className="size-4" />
      Add server
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Servers"
        description="Your private registry of MCP servers — the built-in catalog plus servers you add — and the connections installed from them."
        actions={addButton}
      />
      <div className="mt-8 flex flex-col gap-10">
        <DataTable
          noun="servers"
          columns={columns}
          data={rows}
          getRowId={(r) => r.entry.id}
          isLoading={registry.isPending}
          error={registry.error}
          onRetry={() => void registry.refetch()}
          searchPlaceholder="Search servers"
          initialSorting={[{ id: 'name', desc: false }]}
          empty={{
            icon: ServerIcon,
            title: 'No servers yet',
            description: 'Add an MCP server by its URL to make it available to your workspace.',
            action: addButton,
          }}
        />
        <InstalledServers
          data={installations.data}
          isLoading={installations.isPending}
          error={installations.error}
          entries={registry.data}
          isAdmin={isAdmin}
        />
      </div>
      <AddServerDialog open={adding} onClose={() => setAdding(false)} />
      {isAdmin && <InstallDialog entry={installing} onClose={() => setInstalling(null)} />}
    </>
  );
}

function InstalledServers({
  data,
  isLoading,
  error,
  entries,
  isAdmin,
}: {
  data: InstalledServer[] | undefined;
  isLoading: boolean;
  error: { message: string } | null;
  entries: RegistryEntry[] | undefined;
  isAdmin: boolean;
}) {
  const names = new Map((entries ?? []).map((e) => [e.id, e]));
  return (
    <section aria-labelledby="installed-heading" className="flex flex-col gap-4">
      <div>
        <h2 id="installed-heading" className="text-base font-semibold text-slate-900">
          Installed servers
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Connections your gateways can use, with the tools discovered on each.
        </p>
      </div>
      {error ? (
        <Alert>{error.message}</Alert>
      ) : isLoading ? (
        <div className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading installations…
        </div>
      ) : !data || data.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
          Nothing installed yet.{' '}
          {isAdmin ? 'Use Install on a server above.' : 'Ask an owner or admin to install one.'}
        </p>
      ) : (
        <ul className="grid gap-4 lg:grid-cols-2">
          {data.map((item) => (
            <InstalledCard
              key={item.installation.id}
              item={item}
              entry={names.get(item.installation.registryEntryId)}
              isAdmin={isAdmin}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function InstalledCard({
  item,
  entry,
  isAdmin,
}: {
  item: InstalledServer;
  entry: RegistryEntry | undefined;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const discover = useMutation(
    trpc.installations.discover.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
    }),
  );
  const { installation, tools } = item;
  return (
    <li
      className="rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200"
      aria-label={`Installation ${installation.name}`}
    >
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="truncate font-medium text-slate-900">{installation.name}</p>
          <p className="truncate font-mono text-xs text-slate-500">
            {entry?.slug ?? installation.registryEntryId} · {installation.scope}
          </p>
        </div>
        <div className="flex shrink-0 items-center gap-2">
          <StatusBadge status={installation.status} />
          {isAdmin && (
            <Button
              size="sm"
              variant="ghost"
              pending={discover.isPending}
              onClick={() => discover.mutate({ id: installation.id })}
              aria-label={`Re-discover ${installation.name}`}
            >
              {!discover.isPending && <RetryIcon className="size-4" />}
            </Button>
          )}
        </div>
      </div>
      {installation.lastError && <Alert className="mt-3">{installation.lastError}</Alert>}
      {discover.error && <Alert className="mt-3">{discover.error.message}</Alert>}
      {tools.length > 0 ? (
        <ul className="mt-4 flex flex-wrap gap-1.5" aria-label="Discovered tools">
          {tools.map((t) => (
            <li key={t.id} title={t.description}>
              <code className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700">
                {t.name}
              </code>
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-4 text-sm text-slate-500">No tools discovered.</p>
      )}
    </li>
  );
}
