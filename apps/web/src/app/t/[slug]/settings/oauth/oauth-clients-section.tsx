'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { OAuthClient } from '@toolgate/api/schemas/oauth';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { KeyIcon, PlusIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { ConfirmDialog, Dialog } from '~/components/ui/dialog';
import { useTRPC } from '~/trpc/react';
import { CreateClientForm } from './create-client-form';

const column = dataTableColumnHelper<OAuthClient>();

/** Clients owners and admins registered for apps that cannot register themselves. */
export function OAuthClientsSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const clients = useQuery(trpc.oauth.clients.queryOptions());
  const [creating, setCreating] = useState(false);
  const [deleting, setDeletingRow] = useState<OAuthClient | null>(null);
  const remove = useMutation(
    trpc.oauth.deleteClient.mutationOptions({
      onSuccess: async () => {
        setDeletingRow(null);
        await queryClient.invalidateQueries(trpc.oauth.clients.queryFilter());
        await queryClient.invalidateQueries(trpc.oauth.grants.queryFilter());
      },
    }),
  );
  const setDeleting = (row: OAuthClient | null) => {
    remove.reset();
    setDeletingRow(row);
  };

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((c) => `${c.name} ${c.clientId}`, {
          id: 'name',
          header: 'Client',
          sortFn: 'text',
          cell: (info) => (
            <div className="min-w-0">
              <p className="truncate font-medium text-slate-900">{info.row.original.name}</p>
              <p className="truncate font-mono text-xs text-slate-500">{info.row.original.clientId}</p>
            </div>
          ),
        }),
        column.accessor((c) => c.redirectUris.join(' '), {
          id: 'redirectUris',
          header: 'Redirect URIs',
          enableSorting: false,
          meta: { className: 'w-64' },
          cell: (info) => (
            <ul className="font-mono text-xs break-all text-slate-600">
              {info.row.original.redirectUris.map((u) => (
                <li key={u}>{u}</li>
              ))}
            </ul>
          ),
        }),
        column.accessor((c) => (c.confidential ? 'confidential' : 'public'), {
          id: 'type',
          header: 'Type',
          enableGlobalFilter: false,
          meta: { className: 'w-28', skeleton: 'badge' },
          cell: (info) =>
            info.row.original.confidential ? <Badge tone="brand">Confidential</Badge> : <Badge>Public</Badge>,
        }),
        column.accessor('activeGrants', {
          header: 'Signed-in users',
          enableGlobalFilter: false,
          meta: { className: 'w-32 tabular-nums' },
        }),
        column.accessor('createdAt', {
          header: 'Created',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
          cell: (info) => <DateCell value={info.getValue()} />,
        }),
        column.display({
          id: 'actions',
          header: () => <span className="sr-only">Actions</span>,
          meta: { className: 'w-24 text-right' },
          cell: (info) => (
            <Button
              size="sm"
              variant="ghost"
              aria-label={`Delete ${info.row.original.name}`}
              onClick={() => setDeleting(info.row.original)}
            >
              Delete
            </Button>
          ),
        }),
      ]),
    [],
  );

  const createButton = (
    <Button variant="secondary" onClick={() => setCreating(true)}>
      <PlusIcon className="size-4" />
      Register a client
    </Button>
  );

  return (
    <section aria-labelledby="oauth-clients-title" className="mt-12">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="oauth-clients-title" className="text-base font-semibold text-slate-900">
            Registered clients
          </h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-600">
            Most MCP clients register themselves. Register one here for an app that needs a fixed client ID
            (and secret).
          </p>
        </div>
        {createButton}
      </div>
      <div className="mt-4">
        <DataTable
          noun="registered clients"
          columns={columns}
          data={clients.data}
          getRowId={(c) => c.id}
          isLoading={clients.isPending}
          error={clients.error}
          onRetry={() => void clients.refetch()}
          searchPlaceholder="Search clients"
          initialSorting={[{ id: 'createdAt', desc: true }]}
          empty={{
            icon: KeyIcon,
            title: 'No registered clients',
            description: 'Clients that register themselves or publish a metadata document need nothing here.',
          }}
        />
      </div>
      <Dialog open={creating} onClose={() => setCreating(false)} title="Register an OAuth client">
        <CreateClientForm onDone={() => setCreating(false)} />
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete client?"
        description={
          <>
            <strong>{deleting?.name}</strong> can no longer sign in
            {deleting?.activeGrants
              ? `, and its ${deleting.activeGrants} signed-in ${deleting.activeGrants === 1 ? 'user loses' : 'users lose'} access immediately`
              : ''}
            . This cannot be undone.
          </>
        }
        error={remove.error}
        confirmLabel="Delete client"
        pending={remove.isPending}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
      />
    </section>
  );
}
