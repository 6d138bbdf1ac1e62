'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { DataTable, dataTableColumnHelper, type DataTableFacet } from '~/components/data-table';
import { UsersIcon } from '~/components/icons';
import { ROLE_LABELS } from '~/components/shell/role-labels';
import { Avatar } from '~/components/ui/avatar';
import { Badge } from '~/components/ui/badge';
import type { Member, MemberRole } from '~/schemas/members';
import { useTRPC } from '~/trpc/react';

const column = dataTableColumnHelper<Member>();
const ROLE_RANK: Record<MemberRole, number> = { owner: 0, admin: 1, member: 2 };
const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

const ROLE_FACET: DataTableFacet = {
  columnId: 'role',
  allLabel: 'All roles',
  options: (Object.keys(ROLE_LABELS) as MemberRole[]).map((role) => ({
    value: role,
    label: ROLE_LABELS[role],
  })),
};

export function RoleBadge({ role }: { role: MemberRole }) {
  return (
    <Badge tone={role === 'owner' ? 'brand' : role === 'admin' ? 'green' : 'slate'}>
      {ROLE_LABELS[role]}
    </Badge>
  );
}

export function MembersTable({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const members = useQuery(trpc.members.list.queryOptions());

  const columns = useMemo(
    () =>
      column.columns([
        // Name and email in one value, so the search box matches either.
        column.accessor((m) => `${m.name ?? ''} ${m.email}`.trim(), {
          id: 'member',
          header: 'Member',
          sortFn: 'text',
          meta: { skeleton: 'avatar' },
          cell: (info) => {
            const m = info.row.original;
            return (
              <div className="flex min-w-0 items-center gap-3">
                <Avatar name={m.name} seed={m.email} />
                <div className="min-w-0">
                  <p className="flex items-center gap-2 truncate font-medium text-slate-900">
                    {m.name ?? m.email}
                    {m.userId === currentUserId && <Badge tone="slate">You</Badge>}
                  </p>
                  {m.name && <p className="truncate text-slate-500">{m.email}</p>}
                </div>
              </div>
            );
          },
        }),
        column.accessor('role', {
          header: 'Role',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          sortFn: (a, b, id) => ROLE_RANK[a.getValue<MemberRole>(id)] - ROLE_RANK[b.getValue<MemberRole>(id)],
          meta: { className: 'w-40', skeleton: 'badge' },
          cell: (info) => <RoleBadge role={info.getValue()} />,
        }),
        column.accessor('joinedAt', {
          header: 'Joined',
          sortFn: 'datetime',
          enableGlobalFilter: false,
          meta: { className: 'w-44' },
          cell: (info) => (
            <time dateTime={info.getValue().toISOString()} className="text-slate-600 tabular-nums">
              {dateFormat.format(info.getValue())}
            </time>
          ),
        }),
      ]),
    [currentUserId],
  );

  return (
    <DataTable
      noun="members"
      columns={columns}
      data={members.data}
      getRowId={(m) => m.userId}
      isLoading={members.isPending}
      error={members.error}
      onRetry={() => void members.refetch()}
      searchPlaceholder="Search by name or email"
      facets={[ROLE_FACET]}
      initialSorting={[{ id: 'role', desc: false }]}
      empty={{
        icon: UsersIcon,
        title: 'No members yet',
        description: 'Members appear here once they join the workspace.',
      }}
    />
  );
}
