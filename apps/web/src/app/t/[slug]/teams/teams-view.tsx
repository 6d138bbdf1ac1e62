'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import type { Team } from '@toolgate/api/schemas/teams';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { PlusIcon, TeamIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { PageHeader } from '~/components/ui/page-header';
import { useTRPC } from '~/trpc/react';
import { CreateTeamDialog } from './create-team-dialog';

const column = dataTableColumnHelper<Team>();

const columnsFor = (tenantSlug: string) =>
  column.columns([
    // Name and slug in one value, so the search box matches either.
    column.accessor((t) => `${t.name} ${t.slug}`, {
      id: 'name',
      header: 'Team',
      sortFn: 'text',
      cell: (info) => (
        <div className="flex min-w-0 items-center gap-3">
          <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
            <TeamIcon className="size-5" />
          </span>
          <div className="min-w-0">
            <p className="truncate font-medium text-slate-900">
              <Link href={`/t/${tenantSlug}/teams/${info.row.original.id}`} className="hover:underline">
                {info.row.original.name}
              </Link>
            </p>
            <p className="truncate font-mono text-xs text-slate-500">{info.row.original.slug}</p>
          </div>
        </div>
      ),
      meta: { skeleton: 'avatar' },
    }),
    column.accessor('memberCount', {
      header: 'Members',
      sortFn: 'basic',
      enableGlobalFilter: false,
      meta: { className: 'w-36' },
      cell: (info) => (
        <span className="text-slate-600 tabular-nums">
          {info.getValue()} {info.getValue() === 1 ? 'member' : 'members'}
        </span>
      ),
    }),
    column.accessor('createdAt', {
      header: 'Created',
      sortFn: 'datetime',
      enableGlobalFilter: false,
      meta: { className: 'w-44' },
      cell: (info) => <DateCell value={info.getValue()} />,
    }),
  ]);

export function TeamsView({ tenantSlug, canCreate }: { tenantSlug: string; canCreate: boolean }) {
  const trpc = useTRPC();
  const columns = useMemo(() => columnsFor(tenantSlug), [tenantSlug]);
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  useEffect(() => {
    if (!created) return;
    const timer = setTimeout(() => setCreated(null), 6_000);
    return () => clearTimeout(timer);
  }, [created]);

  const createButton = canCreate ? (
    <Button onClick={() => setCreating(true)}>
      <PlusIcon className="size-4" />
      Create team
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Teams"
        description={
          canCreate
            ? 'Group members so gateways and shared credentials reach exactly the people who need them.'
            : 'The teams you are in. Gateways and shared credentials of a team reach its members.'
        }
        actions={createButton}
      />
      <div className="mt-8 flex flex-col gap-4">
        {created && (
          <Alert tone="success">
            Team <strong className="font-semibold">{created}</strong> created.
          </Alert>
        )}
        <DataTable
          noun="teams"
          columns={columns}
          data={teams.data}
          getRowId={(t) => t.id}
          isLoading={teams.isPending}
          error={teams.error}
          onRetry={() => void teams.refetch()}
          searchPlaceholder="Search teams"
          initialSorting={[{ id: 'name', desc: false }]}
          empty={{
            icon: TeamIcon,
            title: 'No teams yet',
            description: canCreate
              ? 'Create a team for each group that shares tools — Platform, Data, Support — then share gateways with it.'
              : 'You are not in a team yet. Owners, admins and team maintainers add people to teams.',
            action: createButton,
          }}
        />
      </div>
      {canCreate && (
        <CreateTeamDialog
          open={creating}
          onClose={() => setCreating(false)}
          onCreated={(team) => {
            setCreating(false);
            setCreated(team.name);
          }}
        />
      )}
    </>
  );
}
