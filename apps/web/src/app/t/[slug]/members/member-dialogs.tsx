'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { canChangeRole, ROLES_BY_RANK } from '@toolgate/api/member-permissions';
import { useState } from 'react';
import type { Member, MemberRole } from '@toolgate/api/schemas/members';
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from '~/components/shell/role-labels';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { cx } from '~/components/ui/cx';
import { ConfirmDialog, Dialog } from '~/components/ui/dialog';
import { useTRPC } from '~/trpc/react';

const displayName = (m: Member) => m.name ?? m.email;
const A_ROLE: Record<MemberRole, string> = { owner: 'an owner', admin: 'an admin', member: 'a member' };

export function ChangeRoleDialog({
  member,
  actorRole,
  onClose,
  onChanged,
}: {
  member: Member | null;
  actorRole: MemberRole;
  onClose: () => void;
  onChanged: (message: string) => void;
}) {
  return (
    <Dialog
      open={member !== null}
      onClose={onClose}
      title="Change role"
      description={member ? <>Choose what {displayName(member)} can do in this workspace.</> : undefined}
    >
      {member && (
        <ChangeRoleForm member={member} actorRole={actorRole} onCancel={onClose} onChanged={onChanged} />
      )}
    </Dialog>
  );
}

function ChangeRoleForm({
  member,
  actorRole,
  onCancel,
  onChanged,
}: {
  member: Member;
  actorRole: MemberRole;
  onCancel: () => void;
  onChanged: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<MemberRole>(member.role);
  const change = useMutation(
    trpc.members.changeRole.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries(trpc.members.list.queryFilter());
        onChanged(`${displayName(member)} is now ${A_ROLE[result.role]}.`);
      },
    }),
  );

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        change.mutate({ userId: member.userId, role });
      }}
      className="flex flex-col gap-5"
    >
      {change.error && <Alert>{change.error.message}</Alert>}
      <fieldset className="flex flex-col gap-2">
        <legend className="sr-only">Role</legend>
        {ROLES_BY_RANK.map((option) => {
          const allowed = option === member.role || canChangeRole(actorRole, member.role, option);
          return (
            <label
              key={option}
              className={cx(
                'flex gap-3 rounded-lg p-3 ring-1 ring-inset',
                role === option ? 'bg-brand-50/60 ring-brand-500' : 'ring-slate-200',
                allowed ? 'cursor-pointer' : 'cursor-not-allowed opacity-60',
              )}
            >
              <input
                type="radio"
                name="role"
                value={option}
                checked={role === option}
                disabled={!allowed}
                onChange={() => setRole(option)}
                className="mt-0.5 accent-brand-600"
              />
              <span className="text-sm">
                <span className="font-medium text-slate-900">{ROLE_LABELS[option]}</span>
                <span className="block text-slate-600">
                  {ROLE_DESCRIPTIONS[option]}
                  {!allowed && ' Only owners can give or take this role.'}
                </span>
              </span>
            </label>
          );
        })}
      </fieldset>
      <div className="flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" pending={change.isPending} disabled={role === member.role}>
          {change.isPending ? 'Saving…' : 'Save role'}
        </Button>
      </div>
    </form>
  );
}

export function RemoveMemberDialog({
  member,
  tenantName,
  onClose,
  onRemoved,
}: {
  member: Member | null;
  tenantName: string;
  onClose: () => void;
  onRemoved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.members.remove.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries(trpc.members.list.queryFilter());
        const tokens =
          result.revokedTokens === 0
            ? ''
            : ` ${result.revokedTokens} personal API ${result.revokedTokens === 1 ? 'token was' : 'tokens were'} revoked.`;
        onRemoved(`${member ? displayName(member) : 'The member'} was removed from ${tenantName}.${tokens}`);
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
      title="Remove member?"
      description={
        member ? (
          <>
            <strong>{displayName(member)}</strong> loses access to {tenantName} immediately: they leave its
            teams, and their personal API tokens here stop working. You can invite them again later.
          </>
        ) : undefined
      }
      error={remove.error}
      confirmLabel="Remove member"
      pending={remove.isPending}
      onConfirm={() => member && remove.mutate({ userId: member.userId })}
    />
  );
}

export function LeaveWorkspaceDialog({
  open,
  tenantName,
  onClose,
}: {
  open: boolean;
  tenantName: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const leave = useMutation(
    trpc.members.leave.mutationOptions({
      // A full load: nothing of this workspace may stay in memory, and /t picks where to go next.
      onSuccess: () => window.location.assign('/t'),
    }),
  );
  const close = () => {
    leave.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={open}
      onClose={close}
      title={`Leave ${tenantName}?`}
      description="You lose access at once: you leave its teams and your personal API tokens here stop working. To come back, someone has to invite you again."
      error={leave.error}
      confirmLabel="Leave workspace"
      pending={leave.isPending || leave.isSuccess}
      onConfirm={() => leave.mutate()}
    />
  );
}
