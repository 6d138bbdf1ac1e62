'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { OAuthGrant } from '@toolgate/api/schemas/oauth';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { AppsIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/dialog';
import { PageHeader } from '~/components/ui/page-header';
import { useTRPC } from '~/trpc/react';
import { OAuthClientsSection } from './oauth-clients-section';

const column = dataTableColumnHelper<OAuthGrant>();

const CLIENT_KIND_LABELS: Record<OAuthGrant['client']['kind'], string> = {
  dcr: 'Registered itself (DCR)',
  cimd: 'Metadata document',
  preregistered: 'Pre-registered',
};

export function ConnectedAppsView({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const grants = useQuery(trpc.oauth.grants.queryOptions());
  const [revoking, setRevokingRow] = useState<OAuthGrant | null>(null);
  const revoke = useMutation(
    trpc.oauth.revokeGrant.mutationOptions({
      onSuccess: async () => {
        setRevokingRow(null);
        await queryClient.invalidateQueries(trpc.oauth.grants.queryFilter());
        await queryClient.invalidateQueries(trpc.oauth.clients.queryFilter());
      },
    }),
  );
  const setRevoking = (row: OAuthGrant | null) => {
    revoke.reset();
    setRevokingRow(row);
  };

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((g) => `${g.client.name} ${g.client.clientId}`, {
          id: 'client',
          header: 'App',
          sortFn: 'text',
          cell: (info) => {
            const { client } = info.row.original;
            return (
              <div className="min-w-0 max-w-[12rem]">
                <p className="truncate font-medium text-slate-900">{client.name}</p>
                <p className="truncate text-xs text-slate-500">
                  {CLIENT_KIND_LABELS[client.kind]} ·{' '}
                  <code className="font-mono" title={client.clientId}>
                    {client.clientId}
                  </code>
                </p>
              </div>
            );
          },
        }),
        ...(isAdmin
          ? [
              column.accessor((g) => g.user.email, {
                id: 'user',
                header: 'User',
                sortFn: 'text',
                meta: { className: 'w-40' },
                cell: (info) => (
                  <span className="block max-w-[10rem] truncate" title={info.getValue()}>
                    {info.getValue()}
                  </span>
                ),
              }),
            ]
          : []),
        column.accessor((g) => g.scopes.join(' '), {
          id: 'scopes',
          header: 'Scopes',
          enableSorting: false,
          meta: { className: 'w-32' },
          cell: (info) => (
            <div className="flex flex-wrap gap-1">
              {info.row.original.scopes.map((s) => (
                <Badge key={s}>{s}</Badge>
              ))}
            </div>
          ),
        }),
        column.accessor((g) => g.gateways.map((x) => x.name).join(', '), {
          id: 'gateways',
          header: 'Gateways',
          enableSorting: false,
          meta: { className: 'w-32' },
          cell: (info) =>
            info.row.original.gateways.length === 0 ? (
              <span className="text-slate-400">None left</span>
            ) : (
              <div className="flex flex-wrap gap-x-2">
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
        column.accessor('createdAt', {
          header: 'Signed in',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
          cell: (info) => <DateCell value={info.getValue()} />,
        }),
        column.accessor((g) => g.lastUsedAt ?? '', {
          id: 'lastUsed',
          header: 'Last used',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
          cell: (info) =>
            info.row.original.lastUsedAt ? (
              <DateCell value={info.row.original.lastUsedAt} />
            ) : (
              <span className="text-slate-400">Never</span>
            ),
        }),
        column.accessor('status', {
          header: 'Status',
          sortFn: 'text',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-40', skeleton: 'badge' },
          // The action sits with the status it changes, so the table fits beside the sidebar.
          cell: (info) =>
            info.getValue() === 'active' ? (
              <div className="flex items-center justify-between gap-2">
                <Badge tone="green">Active</Badge>
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Revoke ${info.row.original.client.name} for ${info.row.original.user.email}`}
                  onClick={() => setRevoking(info.row.original)}
                >
                  Revoke
                </Button>
              </div>
            ) : (
              <Badge>Revoked</Badge>
            ),
        }),
      ]),
    [isAdmin, tenantSlug],
  );

  return (
    <>
      <PageHeader
        title="Connected apps"
        description={
          isAdmin
            ? 'MCP clients that signed in to this workspace with OAuth, for every member. Revoking signs the app out at once.'
            : 'MCP clients you signed in to this workspace with OAuth. Revoking signs the app out at once.'
        }
      />
      <div className="mt-8">
        <DataTable
          noun="connected apps"
          columns={columns}
          data={grants.data}
          getRowId={(g) => g.id}
          isLoading={grants.isPending}
          error={grants.error}
          onRetry={() => void grants.refetch()}
          searchPlaceholder="Search apps or users"
          initialSorting={[{ id: 'createdAt', desc: true }]}
          facets={[
            {
              columnId: 'status',
              allLabel: 'All statuses',
              options: [
                { value: 'active', label: 'Active' },
                { value: 'revoked', label: 'Revoked' },
              ],
            },
          ]}
          empty={{
            icon: AppsIcon,
            title: 'No connected apps yet',
            description:
              'When a gateway allows OAuth, clients such as Claude Desktop, Cursor or VS Code sign in with only its URL, and appear here.',
          }}
        />
      </div>
      {isAdmin && <OAuthClientsSection />}
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title="Revoke access?"
        description={
          <>
            <strong>{revoking?.client.name}</strong> loses access for <strong>{revoking?.user.email}</strong>{' '}
            immediately, on every gateway. It can ask to sign in again. This cannot be undone.
          </>
        }
        error={revoke.error}
        confirmLabel="Revoke access"
        pending={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
      />
    </>
  );
}
