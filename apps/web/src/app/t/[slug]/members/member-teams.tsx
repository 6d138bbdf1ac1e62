'use client';

import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Member } from '@toolgate/api/schemas/members';
import type { TeamRole } from '@toolgate/api/schemas/team-members';
import type { Team } from '@toolgate/api/schemas/teams';
import Link from 'next/link';
import { useMemo, useState, type FormEvent } from 'react';
import { PlusIcon, XMarkIcon } from '~/components/icons';
import { TEAM_ROLE_DESCRIPTIONS, TEAM_ROLE_LABELS } from '~/components/shell/role-labels';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { ConfirmDialog, Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

/** One of a member's teams, with their role in it. */
export interface MemberTeam {
  team: Pick<Team, 'id' | 'name'>;
  role: TeamRole;
}

const displayName = (m: Pick<Member, 'name' | 'email'>) => m.name ?? m.email;
const TEAM_ROLES = Object.keys(TEAM_ROLE_LABELS) as TeamRole[];

/** Outside the component, so `useQueries` keeps the combined list while no query changes. */
const dataOnly = <T,>(results: { data: T | undefined }[]) => results.map((r) => r.data);

/**
 * Every visible team's members, as user id → their teams. Owners and admins see every team;
 * members the teams they are in (and so who else is in them), as the team pages show.
 */
export function useMemberTeams(): { teams: Team[] | undefined; byUser: ReadonlyMap<string, MemberTeam[]> } {
  const trpc = useTRPC();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const lists = useQueries({
    queries: (teams.data ?? []).map((t) => trpc.teams.members.queryOptions({ teamId: t.id })),
    combine: dataOnly,
  });
  const byUser = useMemo(() => {
    const map = new Map<string, MemberTeam[]>();
    (teams.data ?? []).forEach((team, i) => {
      for (const m of lists[i] ?? []) {
        const list = map.get(m.userId) ?? [];
        list.push({ team: { id: team.id, name: team.name }, role: m.role });
        map.set(m.userId, list);
      }
    });
    for (const list of map.values()) list.sort((a, b) => a.team.name.localeCompare(b.team.name));
    return map;
  }, [teams.data, lists]);
  return { teams: teams.data, byUser };
}

/** A member's teams as links, with remove buttons and "Add to team" for owners and admins. */
export function MemberTeamsCell({
  member,
  teams,
  tenantSlug,
  manages,
  onAdd,
  onRemove,
}: {
  member: Member;
  teams: MemberTeam[];
  tenantSlug: string;
  manages: boolean;
  onAdd: () => void;
  onRemove: (team: MemberTeam) => void;
}) {
  const name = displayName(member);
  return (
    <ul aria-label={`Teams of ${name}`} className="flex flex-wrap items-center gap-1.5">
      {teams.map((t) => (
        <li
          key={t.team.id}
          className="inline-flex items-center gap-1 rounded-md bg-slate-50 py-0.5 pr-1 pl-2 text-xs text-slate-700 ring-1 ring-slate-500/20 ring-inset"
        >
          <Link href={`/t/${tenantSlug}/teams/${t.team.id}`} className="hover:underline">
            {t.team.name}
          </Link>
          {t.role === 'maintainer' && <span className="text-slate-500">· maintainer</span>}
          {manages ? (
            <button
              type="button"
              aria-label={`Remove ${name} from ${t.team.name}`}
              onClick={() => onRemove(t)}
              className="rounded p-0.5 text-slate-400 hover:bg-slate-200 hover:text-slate-700"
            >
              <XMarkIcon className="size-3" />
            </button>
          ) : (
            <span className="pr-1" />
          )}
        </li>
      ))}
      {teams.length === 0 && !manages && <li className="text-xs text-slate-400">No team</li>}
      {manages && (
        <li>
          <button
            type="button"
            aria-label={`Add ${name} to a team`}
            onClick={onAdd}
            className="inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 text-xs text-brand-700 hover:bg-brand-50"
          >
            <PlusIcon className="size-3" />
            Team
          </button>
        </li>
      )}
    </ul>
  );
}

export function AddToTeamDialog({
  member,
  teams,
  memberTeams,
  tenantSlug,
  onClose,
  onAdded,
}: {
  member: Member | null;
  /** Every team of the workspace. */
  teams: Team[] | undefined;
  /** The teams the member is already in: not offered. */
  memberTeams: MemberTeam[];
  tenantSlug: string;
  onClose: () => void;
  onAdded: (message: string) => void;
}) {
  return (
    <Dialog
      open={member !== null}
      onClose={onClose}
      title="Add to a team"
      description={
        member ? <>{displayName(member)} reaches what is shared with the team at once.</> : undefined
      }
    >
      {member && (
        <AddToTeamForm
          member={member}
          teams={(teams ?? []).filter((t) => !memberTeams.some((m) => m.team.id === t.id))}
          noTeams={teams !== undefined && teams.length === 0}
          tenantSlug={tenantSlug}
          onCancel={onClose}
          onAdded={onAdded}
        />
      )}
    </Dialog>
  );
}

function AddToTeamForm({
  member,
  teams,
  noTeams,
  tenantSlug,
  onCancel,
  onAdded,
}: {
  member: Member;
  teams: Team[];
  noTeams: boolean;
  tenantSlug: string;
  onCancel: () => void;
  onAdded: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [teamId, setTeamId] = useState('');
  const [role, setRole] = useState<TeamRole>('member');
  const { form, errors, setErrors, showErrors } = useFieldErrors<'teamId' | 'userId' | 'role'>();
  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: async (_added, { teamId: id }) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.members.queryFilter({ teamId: id })),
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
        ]);
        const team = teams.find((t) => t.id === id)?.name ?? 'the team';
        onAdded(`${displayName(member)} joined ${team}.`);
      },
      onError: (error) => showErrors(errorFields(error)),
    }),
  );

  if (teams.length === 0)
    return (
      <div className="flex flex-col gap-4">
        <p className="text-sm text-slate-600">
          {noTeams ? 'This workspace has no teams yet. ' : `${displayName(member)} is in every team. `}
          <Link href={`/t/${tenantSlug}/teams`} className="text-brand-700 hover:underline">
            {noTeams ? 'Create a team' : 'See the teams'}
          </Link>
          .
        </p>
        <div className="flex justify-end">
          <Button variant="secondary" onClick={onCancel}>
            Close
          </Button>
        </div>
      </div>
    );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!teamId) return showErrors({ teamId: 'Choose a team' });
    setErrors({});
    add.mutate({ teamId, userId: member.userId, role });
  }

  // "Already in the team" and "not a member" are about the person, shown with the team choice.
  const fieldMessage = errors.teamId ?? errors.userId;
  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {add.error && !fieldMessage && !errors.role && <Alert>{add.error.message}</Alert>}
      <SelectField
        label="Team"
        name="teamId"
        autoFocus
        value={teamId}
        onChange={(e) => {
          setTeamId(e.target.value);
          setErrors({});
        }}
        options={[
          { value: '', label: 'Choose a team' },
          ...teams.map((t) => ({ value: t.id, label: t.name })),
        ]}
        error={fieldMessage}
      />
      <SelectField
        label="Team role"
        name="role"
        value={role}
        onChange={(e) => setRole(e.target.value as TeamRole)}
        options={TEAM_ROLES.map((r) => ({ value: r, label: TEAM_ROLE_LABELS[r] }))}
        hint={TEAM_ROLE_DESCRIPTIONS[role]}
        error={errors.role}
      />
      <FormActions
        onCancel={onCancel}
        pending={add.isPending}
        pendingLabel="Adding…"
        submitLabel="Add to team"
      />
    </form>
  );
}

export function RemoveFromTeamDialog({
  target,
  onClose,
  onRemoved,
}: {
  target: { member: Member; team: MemberTeam } | null;
  onClose: () => void;
  onRemoved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.teams.removeMember.mutationOptions({
      onSuccess: async (_removed, { teamId }) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.members.queryFilter({ teamId })),
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
        ]);
        if (target) onRemoved(`${displayName(target.member)} left ${target.team.team.name}.`);
      },
    }),
  );
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={target !== null}
      onClose={close}
      title="Remove from the team?"
      description={
        target ? (
          <>
            <strong>{displayName(target.member)}</strong> loses the gateways and server connections shared
            with {target.team.team.name} at once, and stays in the workspace.
          </>
        ) : undefined
      }
      error={remove.error}
      confirmLabel="Remove from team"
      pending={remove.isPending}
      onConfirm={() => target && remove.mutate({ teamId: target.team.team.id, userId: target.member.userId })}
    />
  );
}
