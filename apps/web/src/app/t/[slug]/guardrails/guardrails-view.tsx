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
import { scopeText } from '../policies/labels';
import {
  ACTION_LABELS,
  ACTION_TONES,
  DIRECTION_LABELS,
  endpointHost,
  lookingFor,
  type Guardrail,
} from './labels';

type Row = Guardrail & { scope: string; looksFor: string; endpoint: string };

const column = dataTableColumnHelper<Row>();

/**
 * The workspace's guardrails, by name. Owners and admins add, change, switch off and delete them;
 * members read what their calls are scanned for.
 */
export function GuardrailsView({
  tenantSlug,
  isAdmin,
  savedId,
}: {
  tenantSlug: string;
  isAdmin: boolean;
  /** A guardrail just saved: highlighted, with a confirmation. */
  savedId: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const guardrails = useQuery(trpc.guardrails.list.queryOptions());
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const [deleting, setDeletingRow] = useState<Row | null>(null);
  const remove = useMutation(
    trpc.guardrails.remove.mutationOptions({
      onSuccess: async () => {
        setDeletingRow(null);
        await queryClient.invalidateQueries(trpc.guardrails.list.queryFilter());
      },
    }),
  );
  const setDeleting = (row: Row | null) => {
    remove.reset();
    setDeletingRow(row);
  };

  const rows = useMemo(() => {
    if (!guardrails.data) return undefined;
    const names = new Map((gateways.data ?? []).map((g) => [g.id, g.name]));
    return guardrails.data.map((g): Row => ({
      ...g,
      scope: scopeText(g.gatewayIds, names, isAdmin),
      looksFor: lookingFor(g),
      endpoint: g.external ? endpointHost(g.external.url) : '',
    }));
  }, [guardrails.data, gateways.data, isAdmin]);
  const saved = savedId ? guardrails.data?.find((g) => g.id === savedId) : undefined;

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((g) => `${g.name} ${g.description}`, {
          id: 'name',
          header: 'Guardrail',
          enableSorting: false,
          meta: { className: 'min-w-40' },
          cell: (info) => {
            const g = info.row.original;
            return (
              <div className="min-w-0">
                <Link
                  href={`/t/${tenantSlug}/guardrails/${g.id}`}
                  className="font-medium text-slate-900 hover:text-brand-700 hover:underline"
                >
                  {g.name}
                </Link>
                {g.description && <p className="line-clamp-2 text-xs text-slate-500">{g.description}</p>}
              </div>
            );
          },
        }),
        column.accessor('scope', {
          header: 'Applies to',
          enableSorting: false,
          meta: { className: 'w-32' },
          cell: (info) => (
            <span className={info.row.original.gatewayIds === null ? 'text-slate-600' : 'text-slate-800'}>
              {info.getValue()}
            </span>
          ),
        }),
        column.accessor((g) => DIRECTION_LABELS[g.direction], {
          id: 'direction',
          header: 'Looks at',
          enableSorting: false,
          enableGlobalFilter: false,
          meta: { className: 'w-28' },
        }),
        column.accessor('looksFor', {
          header: 'Looks for',
          enableSorting: false,
          meta: { className: 'min-w-40 max-w-xs' },
          cell: (info) =>
            info.getValue() || <span className="text-slate-400">Only the external guardrail</span>,
        }),
        column.accessor('action', {
          header: 'Action',
          enableSorting: false,
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-24', skeleton: 'badge' },
          cell: (info) => (
            <Badge tone={ACTION_TONES[info.getValue()]}>{ACTION_LABELS[info.getValue()]}</Badge>
          ),
        }),
        column.accessor((g) => (g.enabled ? 'on' : 'off'), {
          id: 'enabled',
          header: 'Enabled',
          enableSorting: false,
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          meta: { className: 'w-20' },
          cell: (info) => <EnabledSwitch guardrail={info.row.original} isAdmin={isAdmin} />,
        }),
        column.accessor('endpoint', {
          header: 'External guardrail',
          enableSorting: false,
          meta: { className: 'w-36' },
          cell: (info) =>
            info.getValue() ? (
              <span className="font-mono text-xs break-words text-slate-700">{info.getValue()}</span>
            ) : (
              <span className="text-slate-400">None</span>
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
                      href={`/t/${tenantSlug}/guardrails/${info.row.original.id}`}
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
    <ButtonLink href={`/t/${tenantSlug}/guardrails/new`}>
      <PlusIcon className="size-4" />
      New guardrail
    </ButtonLink>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Guardrails"
        description={
          <>
            Guardrails scan tool calls through their gateways for sensitive data (secrets, personal data, your
            own patterns) in the arguments, the results or both, and log it, redact it or block the call; an
            external guardrail of yours can also allow, refuse or change each call.
            {isAdmin ? '' : ' Owners and admins change them.'}
          </>
        }
        actions={newButton}
      />
      <div className="mt-8 flex flex-col gap-4">
        {saved && <Alert tone="success">Guardrail “{saved.name}” saved.</Alert>}
        <DataTable
          noun="guardrails"
          columns={columns}
          data={rows}
          getRowId={(g) => g.id}
          isLoading={guardrails.isPending}
          error={guardrails.error}
          onRetry={() => void guardrails.refetch()}
          searchPlaceholder="Search guardrails"
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
              allLabel: 'All guardrails',
              options: [
                { value: 'on', label: 'Enabled' },
                { value: 'off', label: 'Disabled' },
              ],
            },
          ]}
          empty={{
            icon: ShieldIcon,
            title: 'No guardrails yet',
            description: isAdmin
              ? 'Without guardrails, arguments and results pass through unscanned. Add one to log, redact or block secrets, card numbers, email addresses and your own patterns.'
              : 'Without guardrails, arguments and results pass through unscanned. Owners and admins add them.',
            action: newButton,
          }}
        />
      </div>
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete guardrail?"
        description={
          <>
            <strong>{deleting?.name}</strong> stops applying to calls at once and cannot be restored
            {deleting?.external ? ', and its signing secret is deleted' : ''}. To pause it instead, switch it
            off.
          </>
        }
        error={remove.error}
        confirmLabel="Delete guardrail"
        pending={remove.isPending}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
      />
    </>
  );
}

function EnabledSwitch({ guardrail, isAdmin }: { guardrail: Guardrail; isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const set = useMutation(
    trpc.guardrails.update.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.guardrails.list.queryFilter()),
    }),
  );
  return (
    <span className="flex flex-col gap-1">
      <Switch
        label={`${guardrail.name} enabled`}
        checked={set.isPending ? set.variables.patch.enabled === true : guardrail.enabled}
        pending={set.isPending}
        disabled={!isAdmin}
        onChange={(enabled) => set.mutate({ id: guardrail.id, patch: { enabled } })}
      />
      {set.error && <span className="text-xs text-red-600">{set.error.message}</span>}
    </span>
  );
}
