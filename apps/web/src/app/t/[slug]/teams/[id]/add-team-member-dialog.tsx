'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TeamMember, TeamRole } from '@toolgate/api/schemas/team-members';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { TEAM_ROLE_DESCRIPTIONS, TEAM_ROLE_LABELS } from '~/components/shell/role-labels';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

const TEAM_ROLES = Object.keys(TEAM_ROLE_LABELS) as TeamRole[];

/** Adds a member of the workspace to the team, as a member or a maintainer. */
export function AddTeamMemberDialog({
  open,
  teamId,
  teamName,
  inTeam,
  tenantSlug,
  onClose,
  onAdded,
}: {
  open: boolean;
  teamId: string;
  teamName: string;
  /** Already in the team: not offered. */
  inTeam: readonly TeamMember[];
  tenantSlug: string;
  onClose: () => void;
  onAdded: (message: string) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Add to ${teamName}`}
      description="Members of the team reach the gateways and server connections shared with it."
    >
      <AddForm
        teamId={teamId}
        teamName={teamName}
        inTeam={inTeam}
        tenantSlug={tenantSlug}
        onCancel={onClose}
        onAdded={onAdded}
      />
    </Dialog>
  );
}

function AddForm({
  teamId,
  teamName,
  inTeam,
  tenantSlug,
  onCancel,
  onAdded,
}: {
  teamId: string;
  teamName: string;
  inTeam: readonly TeamMember[];
  tenantSlug: string;
  onCancel: () => void;
  onAdded: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Fresh each time the dialog opens: someone may have joined since the members page was seen.
  const workspaceMembers = useQuery({ ...trpc.members.list.queryOptions(), refetchOnMount: 'always' });
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<TeamRole>('member');
  const { form, errors, setErrors, showErrors } = useFieldErrors<'userId' | 'role'>();

  const taken = new Set(inTeam.map((m) => m.userId));
  const candidates = (workspaceMembers.data ?? []).filter((m) => !taken.has(m.userId));

  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: async (added) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.members.queryFilter({ teamId })),
          queryClient.invalidateQueries(trpc.teams.get.queryFilter({ teamId })),
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
        ]);
        onAdded(
          `${added.name ?? added.email} joined ${teamName} as ${added.role === 'maintainer' ? 'a maintainer' : 'a member'}.`,
        );
      },
      onError: (error) => showErrors(errorFields(error)),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return showErrors({ userId: 'Choose who to add' });
    setErrors({});
    add.mutate({ teamId, userId, role });
  }

  if (workspaceMembers.isSuccess && candidates.length === 0)
    return (
      <div className="flex flex-col gap-4">
        <p className="text-sm text-slate-600">
          Everyone in the workspace is already in {teamName}.{' '}
          <Link href={`/t/${tenantSlug}/members`} className="text-brand-700 hover:underline">
            Invite people to the workspace
          </Link>{' '}
          to add them here.
        </p>
        <div className="flex justify-end">
          <Button variant="secondary" onClick={onCancel}>
            Close
          </Button>
        </div>
      </div>
    );

  const fieldError = Boolean(errors.userId || errors.role);
  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {add.error && !fieldError && <Alert>{add.error.message}</Alert>}
      {workspaceMembers.error && <Alert>Could not load the members: {workspaceMembers.error.message}</Alert>}
      <SelectField
        label="Member"
        name="userId"
        autoFocus
        value={userId}
        disabled={workspaceMembers.isPending}
        onChange={(e) => {
          setUserId(e.target.value);
          setErrors({});
        }}
        options={[
          { value: '', label: workspaceMembers.isPending ? 'Loading members…' : 'Choose a member' },
          ...candidates.map((m) => ({ value: m.userId, label: m.name ? `${m.name} (${m.email})` : m.email })),
        ]}
        error={errors.userId}
      />
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-sm font-medium text-slate-800">Team role</legend>
        {TEAM_ROLES.map((option) => (
          <label
            key={option}
            className={cx(
              'flex cursor-pointer gap-3 rounded-lg p-3 ring-1 ring-inset',
              role === option ? 'bg-brand-50/60 ring-brand-500' : 'ring-slate-200',
            )}
          >
            <input
              type="radio"
              name="role"
              value={option}
              checked={role === option}
              onChange={() => setRole(option)}
              className="mt-0.5 accent-brand-600"
            />
            <span className="text-sm">
              <span className="font-medium text-slate-900">{TEAM_ROLE_LABELS[option]}</span>
              <span className="block text-slate-600">{TEAM_ROLE_DESCRIPTIONS[option]}</span>
            </span>
          </label>
        ))}
        {errors.role && <p className="text-sm text-red-600">{errors.role}</p>}
      </fieldset>
      <FormActions
        onCancel={onCancel}
        pending={add.isPending}
        pendingLabel="Adding…"
        submitLabel="Add to team"
      />
    </form>
  );
}
