'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { invitableRoles } from '@toolgate/api/member-permissions';
import { ZCreateInvitationRequest, type IssuedInvitation } from '@toolgate/api/schemas/invitations';
import { useState, type FormEvent } from 'react';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import type { MemberRole } from '@toolgate/api/schemas/members';
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from '~/components/shell/role-labels';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';
import { IssuedLink } from './issued-link';

export function InviteDialog({
  open,
  onClose,
  role,
  tenantName,
}: {
  open: boolean;
  onClose: () => void;
  /** The inviter's role: admins cannot invite owners. */
  role: MemberRole;
  tenantName: string;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Invite to ${tenantName}`}
      description="They get an email with a link to join (valid for 7 days). New people create their account from it."
    >
      <InviteForm role={role} onDone={onClose} />
    </Dialog>
  );
}

type Field = 'email' | 'role';

function InviteForm({ role, onDone }: { role: MemberRole; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const roles = invitableRoles(role);
  const [email, setEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<MemberRole>('member');
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<Field>();
  const [issued, setIssued] = useState<IssuedInvitation | null>(null);

  const create = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: async (invitation) => {
        setIssued(invitation);
        await queryClient.invalidateQueries(trpc.invitations.list.queryFilter());
      },
      onError: (error) => {
        const fields = errorFields(error);
        showErrors({ email: fields.email, role: fields.role });
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { email, role: inviteRole };
    const parsed = ZCreateInvitationRequest.safeParse(input);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setErrors({});
    create.mutate(input);
  }

  if (issued)
    return (
      <div className="flex flex-col gap-6">
        <IssuedLink invitation={issued} />
        <div className="flex justify-end gap-3">
          <Button
            variant="secondary"
            onClick={() => {
              setIssued(null);
              setEmail('');
              create.reset();
            }}
          >
            Invite someone else
          </Button>
          <Button onClick={onDone}>Done</Button>
        </div>
      </div>
    );

  const fieldError = Boolean(errors.email || errors.role);
  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {create.error && !fieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Email address"
        name="email"
        type="email"
        autoComplete="off"
        autoFocus
        placeholder="colleague@company.com"
        value={email}
        onChange={(e) => {
          setEmail(e.target.value);
          clearError('email');
        }}
        error={errors.email}
      />
      <SelectField
        label="Role"
        name="role"
        value={inviteRole}
        onChange={(e) => setInviteRole(e.target.value as MemberRole)}
        options={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
        error={errors.role}
        hint={ROLE_DESCRIPTIONS[inviteRole] + (role === 'owner' ? '' : ' Only owners can invite owners.')}
      />
      <FormActions
        onCancel={onDone}
        pending={create.isPending}
        pendingLabel="Sending…"
        submitLabel="Send invitation"
      />
    </form>
  );
}
