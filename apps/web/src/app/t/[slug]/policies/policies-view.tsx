'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { DataTable, dataTableColumnHelper } from '~/components/data-table';
import { PencilIcon, PlusIcon, ShieldIcon, TrashIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button, ButtonLink } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/dialog';
import { PageHeader } from '~/components/ui/page-header';
import { Switch } from '~/components/ui/switch';
import { useTRPC } from '~/trpc/react';
import { ACTION_LABELS, ACTION_TONES, scopeText, type Policy } from './labels';

type Row = Policy & { scope: string };

const column = dataTableColumnHelper<Row>();

/**
 * The workspace's policies in evaluation order. Owners and admins add, change, switch off and
 * delete them; members read the rules their calls are held to.
 */
export function PoliciesView({
  tenantSlug,
  isAdmin,
  savedId,
}: {
  tenantSlug: string;
  isAdmin: boolean;
  /** A policy just saved: highlighted, with a confirmation. */
  savedId: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const policies = useQuery(trpc.policies.list.queryOptions());
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const [deleting, setDeletingRow] = useState<Row | null>(null);
  const invalidate = () => queryClient.invalidateQueries(trpc.policies.list.queryFilter());
  const remove = useMutation(
    trpc.policies.remove.mutationOptions({
      onSuccess: async () => {
        setDeletingRow(null);
        await invalidate();
      },
    }),
  );
  const setDeleting = (row: Row | null) => {
    remove.reset();
    setDeletingRow(row);
  };

  const rows = useMemo(() => {
    if (!policies.data) return undefined;
    const names = new Map((gateways.data ?? []).map((g) => [g.id, g.name]));
    return policies.data.map((p): Row => ({ ...p, scope: scopeText(p.gatewayIds, names, isAdmin) }));
  }, [policies.data, gateways.data, isAdmin]);
  const saved = savedId ? policies.data?.find((p) => p.id === savedId) : undefined;

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((p) => `${p.name} ${p.description}`, {
          id: 'name',
          header: 'Policy',
          enableSorting: false,
          cell: (info) => {
            const p = info.row.original;
            return (
              <div className="min-w-0">
                <Link
                  href={`/t/${tenantSlug}/policies/${p.id}`}
                  className="font-medium text-slate-900 hover:text-brand-700 hover:underline"
                >
                  {p.name}
                </Link>
                {p.description && <p className="line-clamp-2 text-xs text-slate-500">{p.description}</p>}
              </div>
            );
          },
        }),
        column.accessor('scope', {
          header: 'Applies to',
          enableSorting: false,
          meta: { className: 'w-44' },
          cell: (info) => (
            <span className={info.row.original.gatewayIds === null ? 'text-slate-600' : 'text-slate-800'}>
              {info.getValue()}
            </span>
          ),
        }),
        column.accessor('priority', {
          header: 'Priority',
          enableSorting: false,
          enableGlobalFilter: false,
          meta: { className: 'w-24 tabular-nums' },
        }),
        column.accessor('action', {
          header: 'Action',
          enableSorting: false,
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-36', skeleton: 'badge' },
          cell: (info) => (
            <Badge tone={ACTION_TONES[info.getValue()]}>{ACTION_LABELS[info.getValue()]}</Badge>
          ),
        }),
        column.accessor((p) => (p.enabled ? 'on' : 'off'), {
          id: 'enabled',
          header: 'Enabled',
          enableSorting: false,
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-24' },
          cell: (info) => <EnabledSwitch policy={info.row.original} isAdmin={isAdmin} />,
        }),
        column.accessor('condition', {
          header: 'Condition',
          enableSorting: false,
          meta: { className: 'max-w-md' },
          cell: (info) => (
            <code
              title={info.getValue()}
              className="line-clamp-2 font-mono text-xs break-all whitespace-pre-wrap text-slate-700"
            >
              {info.getValue()}
            </code>
          ),
        }),
        ...(isAdmin
          ? [
              column.display({
                id: 'actions',
                header: () => <span className="sr-only">Actions</span>,
                meta: { className: 'w-24 text-right' },
                cell: (info) => (
                  <span className="flex justify-end">
                    <ButtonLink
                      size="sm"
                      variant="ghost"
                      href={`/t/${tenantSlug}/policies/${info.row.original.id}`}
                      aria-label={`Edit ${info.row.original.name}`}
                      title="Edit"
                    >
                      <PencilIcon className="size-4" />
                    </ButtonLink>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Delete ${info.row.original.name}`}
                      title="Delete"
                      onClick={() => setDeleting(info.row.original)}
                    >
                      <TrashIcon className="size-4" />
                    </Button>
                  </span>
                ),
              }),
            ]
          : []),
      ]),
    [tenantSlug, isAdmin],
  );

  const newButton = isAdmin ? (
    <ButtonLink href={`/t/${tenantSlug}/policies/new`}>
      <PlusIcon className="size-4" />
      New policy
    </ButtonLink>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Policies"
        description={
          <>
            Every tool call through a gateway is checked against its enabled policies, highest priority first;
            the first whose condition is true decides, and a call no policy matches is allowed.
            {isAdmin ? '' : ' These are the rules your calls are held to; owners and admins change them.'}
          </>
        }
        actions={newButton}
      />
      <div className="mt-8 flex flex-col gap-4">
        {saved && <Alert tone="success">Policy “{saved.name}” saved.</Alert>}
        <DataTable
          noun="policies"
          columns={columns}
          data={rows}
          getRowId={(p) => p.id}
          isLoading={policies.isPending}
          error={policies.error}
          onRetry={() => void policies.refetch()}
          searchPlaceholder="Search policies"
          highlightRowId={saved?.id ?? null}
          pageSizes={[25, 50, 100]}
          facets={[
            {
              columnId: 'action',
              allLabel: 'All actions',
              options: Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label })),
            },
            {
              columnId: 'enabled',
              allLabel: 'All policies',
              options: [
                { value: 'on', label: 'Enabled' },
                { value: 'off', label: 'Disabled' },
              ],
            },
          ]}
          empty={{
            icon: ShieldIcon,
            title: 'No policies yet',
            description: isAdmin
              ? 'Without policies every call a caller may make is allowed. Start from a template: block sending data out after reading untrusted content, keep a server to one team, or keep destructive tools to working hours.'
              : 'Without policies every call you may make is allowed. Owners and admins add them.',
            action: newButton,
          }}
        />
      </div>
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete policy?"
        description={
          <>
            <strong>{deleting?.name}</strong> stops applying to calls at once and cannot be restored. To pause
            it instead, switch it off.
          </>
        }
        error={remove.error}
        confirmLabel="Delete policy"
        pending={remove.isPending}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
      />
    </>
  );
}

function EnabledSwitch({ policy, isAdmin }: { policy: Policy; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const set = useMutation(
    trpc.policies.update.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.policies.list.queryFilter()),
    }),
  );
  return (
    <span className="flex flex-col gap-1">
      <Switch
        label={`${policy.name} enabled`}
        checked={set.isPending ? set.variables.patch.enabled === true : policy.enabled}
        pending={set.isPending}
        disabled={!isAdmin}
        onChange={(enabled) => set.mutate({ id: policy.id, patch: { enabled } })}
      />
      {set.error && <span className="text-xs text-red-600">{set.error.message}</span>}
    </span>
  );
}
