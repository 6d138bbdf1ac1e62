'use client';

import { useQuery } from '@tanstack/react-query';
import { isAdmin } from '@toolgate/api/actor';
import { canChangeRole, canRemoveMember, ROLES_BY_RANK } from '@toolgate/api/member-permissions';
import { useMemo } from 'react';
import type { Member, MemberRole } from '@toolgate/api/schemas/members';
import { DataTable, dataTableColumnHelper, DateCell, type DataTableFacet } from '~/components/data-table';
import { UsersIcon } from '~/components/icons';
import { ROLE_LABELS } from '~/components/shell/role-labels';
import { MemberIdentity } from '~/components/member-identity';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { useTRPC } from '~/trpc/react';
import { MemberTeamsCell, type MemberTeam } from './member-teams';

const column = dataTableColumnHelper<Member>();
const ROLE_RANK: Record<MemberRole, number> = { owner: 0, admin: 1, member: 2 };

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

export interface MemberActions {
  changeRole: (member: Member) => void;
  remove: (member: Member) => void;
  leave: () => void;
  addToTeam: (member: Member) => void;
  removeFromTeam: (member: Member, team: MemberTeam) => void;
}

/** What the caller may do to this member; the server checks the same rules (and the last owner). */
function allowedActions(actorRole: MemberRole, member: Member, isSelf: boolean) {
  return {
    changeRole: ROLES_BY_RANK.some((to) => to !== member.role && canChangeRole(actorRole, member.role, to)),
    remove: !isSelf && canRemoveMember(actorRole, member.role),
    leave: isSelf,
  };
}

export function MembersTable({
  currentUserId,
  role,
  tenantSlug,
  memberTeams,
  actions,
}: {
  currentUserId: string;
  /** The caller's role, to offer only what they may do. */
  role: MemberRole;
  tenantSlug: string;
  /** Each member's teams (those the caller can see). */
  memberTeams: ReadonlyMap<string, MemberTeam[]>;
  actions: MemberActions;
}) {
  const trpc = useTRPC();
  const members = useQuery(trpc.members.list.queryOptions());
  const managesTeams = isAdmin({ role });

  const columns = useMemo(
    () =>
      column.columns([
        // Name and email in one value, so the search box matches either.
        column.accessor((m) => `${m.name ?? ''} ${m.email}`.trim(), {
          id: 'member',
          header: 'Member',
          sortFn: 'text',
          meta: { skeleton: 'avatar' },
          cell: (info) => <MemberIdentity member={info.row.original} currentUserId={currentUserId} />,
        }),
        column.accessor('role', {
          header: 'Role',
          filterFn: 'equalsString',
          enableGlobalFilter: false,
          sortFn: (a, b, id) => ROLE_RANK[a.getValue<MemberRole>(id)] - ROLE_RANK[b.getValue<MemberRole>(id)],
          meta: { className: 'w-40', skeleton: 'badge' },
          cell: (info) => <RoleBadge role={info.getValue()} />,
        }),
        column.accessor((m) => (memberTeams.get(m.userId) ?? []).map((t) => t.team.name).join(' '), {
          id: 'teams',
          header: 'Teams',
          enableSorting: false,
          meta: { className: 'min-w-48' },
          cell: (info) => {
            const m = info.row.original;
            return (
              <MemberTeamsCell
                member={m}
                teams={memberTeams.get(m.userId) ?? []}
                tenantSlug={tenantSlug}
                manages={managesTeams}
                onAdd={() => actions.addToTeam(m)}
                onRemove={(team) => actions.removeFromTeam(m, team)}
              />
            );
          },
        }),
        column.accessor('joinedAt', {
          header: 'Joined',
          sortFn: 'datetime',
          enableGlobalFilter: false,
          meta: { className: 'w-44' },
          cell: (info) => <DateCell value={info.getValue()} />,
        }),
        // Buttons in the row rather than a menu: a menu would be clipped by the scrolling table.
        column.display({
          id: 'actions',
          header: () => <span className="sr-only">Actions</span>,
          meta: { className: 'w-48 text-right' },
          cell: (info) => {
            const m = info.row.original;
            const name = m.name ?? m.email;
            const allowed = allowedActions(role, m, m.userId === currentUserId);
            return (
              <div className="flex justify-end gap-1">
                {allowed.changeRole && (
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={`Change role of ${name}`}
                    onClick={() => actions.changeRole(m)}
                  >
                    Change role
                  </Button>
                )}
                {allowed.remove && (
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={`Remove ${name}`}
                    onClick={() => actions.remove(m)}
                  >
                    Remove
                  </Button>
                )}
                {allowed.leave && (
                  <Button size="sm" variant="ghost" onClick={actions.leave}>
                    Leave
                  </Button>
                )}
              </div>
            );
          },
        }),
      ]),
    [currentUserId, role, actions, memberTeams, tenantSlug, managesTeams],
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
        description: isAdmin({ role })
          ? 'Invite colleagues by email; they appear here once they accept.'
          : 'Members appear here once they join the workspace.',
      }}
    />
  );
}
