'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiToken } from '@toolgate/api/schemas/tokens';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { KeyIcon, PlusIcon } from '~/components/icons';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { ConfirmDialog, Dialog } from '~/components/ui/dialog';
import { PageHeader } from '~/components/ui/page-header';
import { useTRPC } from '~/trpc/react';
import { CreateTokenForm } from './create-token-form';

type Status = 'active' | 'expired' | 'revoked';
/** `gatewayNames`: null for every gateway the scope allows. */
type Row = ApiToken & { status: Status; teamName: string | null; gatewayNames: string[] | null };

const column = dataTableColumnHelper<Row>();
const when = (iso: string | null, none: string) =>
  iso ? <DateCell value={iso} /> : <span className="text-slate-400">{none}</span>;

const statusOf = (t: ApiToken, now: number): Status =>
  t.revokedAt ? 'revoked' : t.expiresAt && Date.parse(t.expiresAt) <= now ? 'expired' : 'active';

const SCOPE_LABELS = { user: 'Personal', team: 'Team', org: 'Organization' } as const;
const STATUS_BADGES = {
  active: <Badge tone="green">Active</Badge>,
  expired: <Badge tone="amber">Expired</Badge>,
  revoked: <Badge tone="slate">Revoked</Badge>,
} as const;

export function TokensView({ tenantSlug, isAdmin }: { tenantSlug: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevokingRow] = useState<Row | null>(null);
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: async () => {
        setRevokingRow(null);
        await queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
      },
    }),
  );

  // A stale error of an earlier attempt must not greet the next one.
  const setRevoking = (row: Row | null) => {
    revoke.reset();
    setRevokingRow(row);
  };

  const rows = useMemo(() => {
    if (!tokens.data) return undefined;
    const now = Date.now();
    const teamNames = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
    const gatewayNames = new Map((gateways.data ?? []).map((g) => [g.id, g.name]));
    return tokens.data.map((t): Row => ({
      ...t,
      status: statusOf(t, now),
      teamName: t.teamId ? (teamNames.get(t.teamId) ?? 'Unknown team') : null,
      // A gateway deleted since (or, to a member, not shared with them) still bounds the token.
      gatewayNames: t.gatewayIds
        ? t.gatewayIds.map(
            (id) => gatewayNames.get(id) ?? (isAdmin ? 'a deleted gateway' : 'a gateway you cannot see'),
          )
        : null,
    }));
  }, [tokens.data, teams.data, gateways.data, isAdmin]);

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((t) => `${t.name} ${t.displayPrefix}`, {
          id: 'name',
          header: 'Token',
          sortFn: 'text',
          cell: (info) => (
            <div className="min-w-0">
              <p className="truncate font-medium text-slate-900">{info.row.original.name}</p>
              <p className="truncate font-mono text-xs text-slate-500">{info.row.original.displayPrefix}…</p>
            </div>
          ),
        }),
        column.accessor('scope', {
          header: 'Scope',
          sortFn: 'text',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-40', skeleton: 'badge' },
          cell: (info) => (
            <div className="flex flex-col items-start gap-0.5">
              <Badge tone={info.getValue() === 'user' ? 'slate' : 'brand'}>
                {SCOPE_LABELS[info.getValue()]}
              </Badge>
              {info.row.original.teamName && (
                <span className="truncate text-xs text-slate-500">{info.row.original.teamName}</span>
              )}
            </div>
          ),
        }),
        column.accessor((t) => t.capabilities.join(' '), {
          id: 'capabilities',
          header: 'Can use',
          enableSorting: false,
          enableGlobalFilter: false,
          meta: { className: 'w-36' },
          cell: (info) => (
            <div className="flex flex-wrap gap-1">
              {info.row.original.capabilities.map((c) => (
                <Badge key={c} tone="slate">
                  {c === 'mcp' ? 'Gateways' : 'REST API'}
                </Badge>
              ))}
            </div>
          ),
        }),
        column.accessor((t) => (t.gatewayNames ? t.gatewayNames.join(' ') : ''), {
          id: 'gateways',
          header: 'Gateways',
          enableSorting: false,
          meta: { className: 'w-44' },
          cell: (info) => {
            const t = info.row.original;
            if (!t.capabilities.includes('mcp')) return <span className="text-slate-400">—</span>;
            if (!t.gatewayNames) return <span className="text-slate-600">All</span>;
            return (
              <span className="flex flex-col gap-0.5">
                <span className="text-xs text-slate-500">Only</span>
                <span className="text-slate-700">{t.gatewayNames.join(', ')}</span>
              </span>
            );
          },
        }),
        column.accessor('createdAt', {
          header: 'Created',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => when(info.getValue(), '—'),
        }),
        column.accessor((t) => t.lastUsedAt ?? '', {
          id: 'lastUsed',
          header: 'Last used',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => when(info.row.original.lastUsedAt, 'Never'),
        }),
        column.accessor((t) => t.expiresAt ?? '9999', {
          id: 'expires',
          header: 'Expires',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-32' },
          cell: (info) => when(info.row.original.expiresAt, 'Never'),
        }),
        column.accessor('status', {
          header: 'Status',
          sortFn: 'text',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-28', skeleton: 'badge' },
          cell: (info) => STATUS_BADGES[info.getValue()],
        }),
        column.display({
          id: 'actions',
          header: () => <span className="sr-only">Actions</span>,
          meta: { className: 'w-24 text-right' },
          cell: (info) =>
            info.row.original.revokedAt ? null : (
              <Button
                size="sm"
                variant="ghost"
                aria-label={`Revoke ${info.row.original.name}`}
                onClick={() => setRevoking(info.row.original)}
              >
                Revoke
              </Button>
            ),
        }),
      ]),
    [],
  );

  const createButton = (
    <Button onClick={() => setCreating(true)}>
      <PlusIcon className="size-4" />
      Create token
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Tokens"
        description={
          isAdmin
            ? 'API tokens let MCP clients call your gateways and scripts use the REST API. You see every token of the workspace.'
            : 'API tokens let MCP clients call your gateways and scripts use the REST API. You see the tokens you created.'
        }
        actions={createButton}
      />
      <div className="mt-8">
        <DataTable
          noun="tokens"
          columns={columns}
          data={rows}
          getRowId={(t) => t.id}
          isLoading={tokens.isPending}
          error={tokens.error}
          onRetry={() => void tokens.refetch()}
          searchPlaceholder="Search tokens"
          initialSorting={[{ id: 'createdAt', desc: true }]}
          facets={[
            {
              columnId: 'scope',
              allLabel: 'All scopes',
              options: [
                { value: 'user', label: 'Personal' },
                { value: 'team', label: 'Team' },
                { value: 'org', label: 'Organization' },
              ],
            },
            {
              columnId: 'status',
              allLabel: 'All statuses',
              options: [
                { value: 'active', label: 'Active' },
                { value: 'expired', label: 'Expired' },
                { value: 'revoked', label: 'Revoked' },
              ],
            },
          ]}
          empty={{
            icon: KeyIcon,
            title: 'No tokens yet',
            description: 'Create a token to connect Claude Desktop, Cursor or an agent to a gateway.',
            action: createButton,
          }}
        />
      </div>
      <Dialog open={creating} onClose={() => setCreating(false)} title="Create a token">
        <CreateTokenForm tenantSlug={tenantSlug} isAdmin={isAdmin} onDone={() => setCreating(false)} />
      </Dialog>
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title="Revoke token?"
        description={
          <>
            Clients using <strong>{revoking?.name}</strong> (
            <code className="font-mono">{revoking?.displayPrefix}…</code>) stop working immediately. This
            cannot be undone.
          </>
        }
        error={revoke.error}
        confirmLabel="Revoke token"
        pending={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
      />
    </>
  );
}
