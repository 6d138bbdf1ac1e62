'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TeamMember, TeamRole } from '@toolgate/api/schemas/team-members';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { DataTable, dataTableColumnHelper, DateCell } from '~/components/data-table';
import { PlusIcon, TeamIcon } from '~/components/icons';
import { TEAM_ROLE_LABELS } from '~/components/shell/role-labels';
import { Alert } from '~/components/ui/alert';
import { MemberIdentity } from '~/components/member-identity';
import { Badge } from '~/components/ui/badge';
import { Button, ButtonLink } from '~/components/ui/button';
import { ConfirmDialog } from '~/components/ui/dialog';
import { EmptyState } from '~/components/ui/empty-state';
import { BackLink, PageHeader } from '~/components/ui/page-header';
import { Loading } from '~/components/ui/spinner';
import { useTRPC } from '~/trpc/react';
import { RoleBadge } from '../../members/members-table';
import { AddTeamMemberDialog } from './add-team-member-dialog';
import { DeleteTeamDialog, RenameTeamDialog } from './team-settings-dialogs';

const column = dataTableColumnHelper<TeamMember>();
const displayName = (m: Pick<TeamMember, 'name' | 'email'>) => m.name ?? m.email;
const TEAM_ROLES = Object.keys(TEAM_ROLE_LABELS) as TeamRole[];

/**
 * One team: its members with their team role. Owners and admins rename and delete it; they and
 * the team's maintainers add, re-role and remove members; anyone in it may leave.
 */
export function TeamDetail({
  tenantSlug,
  teamId,
  currentUserId,
  isAdmin,
}: {
  tenantSlug: string;
  teamId: string;
  currentUserId: string;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const team = useQuery(trpc.teams.get.queryOptions({ teamId }));
  const members = useQuery(trpc.teams.members.queryOptions({ teamId }));
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [removing, setRemoving] = useState<TeamMember | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const back = `/t/${tenantSlug}/teams`;

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 8_000);
    return () => clearTimeout(timer);
  }, [notice]);

  const myRole = members.data?.find((m) => m.userId === currentUserId)?.role;
  const manages = isAdmin || myRole === 'maintainer';

  if (team.isPending) return <Loading>Loading team…</Loading>;
  if (team.error) {
    const missing = team.error.data?.code === 'NOT_FOUND' || team.error.data?.code === 'BAD_REQUEST';
    return (
      <EmptyState
        icon={TeamIcon}
        title="Team not available"
        description={missing ? 'This team does not exist, or you are not in it.' : team.error.message}
      >
        <ButtonLink href={back} variant="secondary">
          Back to teams
        </ButtonLink>
      </EmptyState>
    );
  }

  const addButton = manages ? (
    <Button onClick={() => setAdding(true)}>
      <PlusIcon className="size-4" />
      Add member
    </Button>
  ) : null;

  return (
    <>
      <BackLink href={back}>Teams</BackLink>
      <PageHeader
        title={team.data.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <code className="font-mono text-xs">{team.data.slug}</code>
            <span className="text-slate-400">·</span>
            <span>
              {team.data.memberCount} {team.data.memberCount === 1 ? 'member' : 'members'}
            </span>
            {myRole && <Badge tone="brand">You are a {TEAM_ROLE_LABELS[myRole].toLowerCase()}</Badge>}
          </span>
        }
        actions={
          <>
            {isAdmin && (
              <>
                <Button variant="secondary" onClick={() => setRenaming(true)}>
                  Rename
                </Button>
                <Button variant="danger" onClick={() => setDeleting(true)}>
                  Delete team
                </Button>
              </>
            )}
            {addButton}
          </>
        }
      />
      <div className="mt-8 flex flex-col gap-4">
        {notice && <Alert tone="success">{notice}</Alert>}
        <MembersOfTeam
          teamId={teamId}
          members={members}
          currentUserId={currentUserId}
          manages={manages}
          onRemove={setRemoving}
          addButton={addButton}
        />
      </div>
      {manages && (
        <AddTeamMemberDialog
          open={adding}
          teamId={teamId}
          teamName={team.data.name}
          inTeam={members.data ?? []}
          tenantSlug={tenantSlug}
          onClose={() => setAdding(false)}
          onAdded={(message) => {
            setAdding(false);
            setNotice(message);
          }}
        />
      )}
      {isAdmin && (
        <>
          <RenameTeamDialog
            open={renaming}
            team={team.data}
            onClose={() => setRenaming(false)}
            onRenamed={(message) => {
              setRenaming(false);
              setNotice(message);
            }}
          />
          <DeleteTeamDialog
            open={deleting}
            team={team.data}
            tenantSlug={tenantSlug}
            onClose={() => setDeleting(false)}
            onDeleted={() => router.push(back)}
          />
        </>
      )}
      <RemoveTeamMemberDialog
        teamId={teamId}
        teamName={team.data.name}
        member={removing}
        self={removing?.userId === currentUserId}
        onClose={() => setRemoving(null)}
        onRemoved={(message, self) => {
          setRemoving(null);
          // Someone who left a team they manage nothing of no longer sees it.
          if (self && !isAdmin) router.push(back);
          else setNotice(message);
        }}
      />
    </>
  );
}

function MembersOfTeam({
  teamId,
  members,
  currentUserId,
  manages,
  onRemove,
  addButton,
}: {
  teamId: string;
  members: {
    data?: TeamMember[];
    isPending: boolean;
    error: { message: string } | null;
    refetch: () => unknown;
  };
  currentUserId: string;
  manages: boolean;
  onRemove: (member: TeamMember) => void;
  addButton: ReactNode;
}) {
  const columns = useMemo(
    () =>
      column.columns([
        column.accessor((m) => `${m.name ?? ''} ${m.email}`.trim(), {
          id: 'member',
          header: 'Member',
          sortFn: 'text',
          meta: { skeleton: 'avatar' },
          cell: (info) => <MemberIdentity member={info.row.original} currentUserId={currentUserId} />,
        }),
        column.accessor('role', {
          header: 'Team role',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-44', skeleton: 'badge' },
          cell: (info) =>
            manages ? (
              <TeamRoleSelect teamId={teamId} member={info.row.original} />
            ) : (
              <Badge tone={info.getValue() === 'maintainer' ? 'brand' : 'slate'}>
                {TEAM_ROLE_LABELS[info.getValue()]}
              </Badge>
            ),
        }),
        column.accessor('workspaceRole', {
          header: 'Workspace role',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-36', skeleton: 'badge' },
          cell: (info) => <RoleBadge role={info.getValue()} />,
        }),
        column.accessor('addedAt', {
          header: 'Added',
          sortFn: 'text',
          enableGlobalFilter: false,
          meta: { className: 'w-36' },
          cell: (info) => <DateCell value={info.getValue()} />,
        }),
        column.display({
          id: 'actions',
          header: () => <span className="sr-only">Actions</span>,
          meta: { className: 'w-32 text-right' },
          cell: (info) => {
            const m = info.row.original;
            const self = m.userId === currentUserId;
            if (!manages && !self) return null;
            return (
              <Button
                size="sm"
                variant="ghost"
                aria-label={self ? 'Leave the team' : `Remove ${displayName(m)} from the team`}
                onClick={() => onRemove(m)}
              >
                {self ? 'Leave' : 'Remove'}
              </Button>
            );
          },
        }),
      ]),
    [teamId, currentUserId, manages, onRemove],
  );
  return (
    <DataTable
      noun="team members"
      columns={columns}
      data={members.data}
      getRowId={(m) => m.userId}
      isLoading={members.isPending}
      error={members.error}
      onRetry={() => void members.refetch()}
      searchPlaceholder="Search by name or email"
      initialSorting={[{ id: 'member', desc: false }]}
      empty={{
        icon: TeamIcon,
        title: 'No one in this team yet',
        description: manages
          ? 'Add members of the workspace; they reach the gateways and server connections shared with the team.'
          : 'Owners, admins and the team’s maintainers add people to it.',
        action: addButton,
      }}
    />
  );
}

/** A member's team role, changed as soon as another is picked. */
function TeamRoleSelect({ teamId, member }: { teamId: string; member: TeamMember }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const change = useMutation(
    trpc.teams.changeMemberRole.mutationOptions({
      onSettled: () => queryClient.invalidateQueries(trpc.teams.members.queryFilter({ teamId })),
    }),
  );
  const role = change.isPending ? change.variables.role : member.role;
  return (
    <span className="flex flex-col gap-1">
      <select
        aria-label={`Team role of ${displayName(member)}`}
        value={role}
        disabled={change.isPending}
        onChange={(e) => change.mutate({ teamId, userId: member.userId, role: e.target.value as TeamRole })}
        className="h-8 w-36 rounded-md bg-white pr-7 pl-2 text-sm text-slate-700 ring-1 ring-slate-300 outline-none ring-inset focus:ring-2 focus:ring-brand-500 disabled:opacity-60"
      >
        {TEAM_ROLES.map((r) => (
          <option key={r} value={r}>
            {TEAM_ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      {change.error && <span className="text-xs text-red-600">{change.error.message}</span>}
    </span>
  );
}

function RemoveTeamMemberDialog({
  teamId,
  teamName,
  member,
  self,
  onClose,
  onRemoved,
}: {
  teamId: string;
  teamName: string;
  member: TeamMember | null;
  self: boolean;
  onClose: () => void;
  onRemoved: (message: string, self: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.teams.removeMember.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.members.queryFilter({ teamId })),
          queryClient.invalidateQueries(trpc.teams.get.queryFilter({ teamId })),
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
        ]);
        onRemoved(
          self
            ? `You left ${teamName}.`
            : `${member ? displayName(member) : 'The member'} was removed from ${teamName}.`,
          self,
        );
      },
    }),
  );
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={member !== null}
      onClose={close}
      title={self ? 'Leave the team?' : 'Remove from the team?'}
      description={
        member ? (
          <>
            {self ? (
              'You lose'
            ) : (
              <>
                <strong>{displayName(member)}</strong> loses
              </>
            )}{' '}
            the gateways and server connections shared with {teamName} at once, and stays in the workspace.
          </>
        ) : undefined
      }
      error={remove.error}
      confirmLabel={self ? 'Leave team' : 'Remove from team'}
      pending={remove.isPending}
      onConfirm={() => member && remove.mutate({ teamId, userId: member.userId })}
    />
  );
}
