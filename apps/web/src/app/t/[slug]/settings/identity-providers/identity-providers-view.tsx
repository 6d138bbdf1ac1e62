'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { IdentityProvider } from '@toolgate/api/schemas/identity-providers';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { PlusIcon, ShieldIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { ConfirmDialog, Dialog } from '~/components/ui/dialog';
import { PageHeader } from '~/components/ui/page-header';
import { useTRPC } from '~/trpc/react';
import { IdentityProviderForm } from './identity-provider-form';

const column = dataTableColumnHelper<IdentityProvider>();

export function IdentityProvidersView({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.identityProviders.list.queryOptions());
  // null: closed; 'new': adding; a provider: editing it.
  const [editing, setEditing] = useState<IdentityProvider | 'new' | null>(null);
  const [deleting, setDeletingRow] = useState<IdentityProvider | null>(null);
  const remove = useMutation(
    trpc.identityProviders.delete.mutationOptions({
      onSuccess: async () => {
        setDeletingRow(null);
        await queryClient.invalidateQueries(trpc.identityProviders.list.queryFilter());
        await queryClient.invalidateQueries(trpc.gateways.list.queryFilter());
      },
    }),
  );
  const setDeleting = (row: IdentityProvider | null) => {
    remove.reset();
    setDeletingRow(row);
  };

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((p) => `${p.name} ${p.issuer}`, {
          id: 'name',
          header: 'Provider',
          sortFn: 'text',
          cell: (info) => (
            <div className="min-w-0">
              <p className="truncate font-medium text-slate-900">{info.row.original.name}</p>
              <p className="truncate font-mono text-xs text-slate-500">{info.row.original.issuer}</p>
            </div>
          ),
        }),
        column.accessor('audience', {
          header: 'Audience',
          sortFn: 'text',
          meta: { className: 'w-44' },
          cell: (info) => <span className="font-mono text-xs break-all">{info.getValue()}</span>,
        }),
        column.accessor('userClaim', {
          header: 'User',
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
          cell: (info) => (
            <span className="text-xs">
              <code className="font-mono">{info.getValue()}</code>
              {info.row.original.groupsClaim && (
                <span className="block text-slate-500">
                  groups: <code className="font-mono">{info.row.original.groupsClaim}</code>
                </span>
              )}
            </span>
          ),
        }),
        column.accessor((p) => p.gateways.map((g) => g.name).join(', '), {
          id: 'gateways',
          header: 'Gateways',
          enableSorting: false,
          meta: { className: 'w-44' },
          cell: (info) =>
            info.row.original.gateways.length === 0 ? (
              <span className="text-slate-400">None</span>
            ) : (
              <div className="flex flex-wrap gap-1">
                {info.row.original.gateways.map((g) => (
                  <Link
                    key={g.id}
                    href={`/t/${tenantSlug}/gateways/${g.id}`}
                    className="text-brand-700 hover:underline"
                  >
                    {g.name}
                  </Link>
                ))}
              </div>
            ),
        }),
        column.accessor((p) => (p.enabled ? 'enabled' : 'disabled'), {
          id: 'status',
          header: 'Status',
          enableGlobalFilter: false,
          meta: { className: 'w-32', skeleton: 'badge' },
          cell: (info) => (
            <div className="flex flex-wrap gap-1">
              {info.row.original.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}
              {info.row.original.trustIdJag && <Badge tone="brand">ID-JAG</Badge>}
            </div>
          ),
        }),
        column.accessor('createdAt', {
          header: 'Added',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => <DateCell value={info.getValue()} />,
        }),
        ...(isAdmin
          ? [
              column.display({
                id: 'actions',
                header: () => <span className="sr-only">Actions</span>,
                meta: { className: 'w-36 text-right' },
                cell: (info) => (
                  <div className="flex justify-end gap-1">
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Edit ${info.row.original.name}`}
                      onClick={() => setEditing(info.row.original)}
                    >
                      Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Delete ${info.row.original.name}`}
                      onClick={() => setDeleting(info.row.original)}
                    >
                      Delete
                    </Button>
                  </div>
                ),
              }),
            ]
          : []),
      ]),
    [isAdmin, tenantSlug],
  );

  const addButton = isAdmin ? (
    <Button onClick={() => setEditing('new')}>
      <PlusIcon className="size-4" />
      Add identity provider
    </Button>
  ) : undefined;

  const using = deleting?.gateways ?? [];
  return (
    <>
      <PageHeader
        title="Identity providers"
        description={
          isAdmin
            ? 'Let gateways accept JWTs from your own identity provider (Okta, Entra ID, Auth0, Keycloak…), and trust its ID-JAG assertions.'
            : 'Identity providers whose tokens gateways may accept. Owners and admins manage them.'
        }
        actions={addButton}
      />
      <div className="mt-8">
        <DataTable
          noun="identity providers"
          columns={columns}
          data={providers.data}
          getRowId={(p) => p.id}
          isLoading={providers.isPending}
          error={providers.error}
          onRetry={() => void providers.refetch()}
          searchPlaceholder="Search providers"
          initialSorting={[{ id: 'name', desc: false }]}
          empty={{
            icon: ShieldIcon,
            title: 'No identity providers yet',
            description:
              'Add your identity provider, then choose it in a gateway’s settings under “Identity provider JWTs”.',
            action: addButton,
          }}
        />
      </div>
      <Dialog
        open={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'Add an identity provider' : `Edit ${editing?.name ?? ''}`}
      >
        <IdentityProviderForm
          key={editing === 'new' ? 'new' : (editing?.id ?? 'none')}
          existing={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete identity provider?"
        description={
          using.length === 0 ? (
            <>
              Tokens from <strong>{deleting?.name}</strong> will no longer be accepted. No gateway uses it.
            </>
          ) : (
            <>
              Tokens from <strong>{deleting?.name}</strong> will no longer be accepted. These gateways use it
              and will refuse identity-provider tokens until you choose another:{' '}
              <strong>{using.map((g) => g.name).join(', ')}</strong>.
            </>
          )
        }
        error={remove.error}
        confirmLabel="Delete provider"
        pending={remove.isPending}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
      />
    </>
  );
}
