'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { ZCreateTeamRequest, type Team } from '@toolgate/api/schemas/teams';
import { useFieldErrors } from '~/components/use-field-errors';
import { useNameAndSlug } from '~/components/use-name-and-slug';
import { Alert } from '~/components/ui/alert';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';

export function CreateTeamDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (team: Team) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Create a team"
      description="Teams can be given their own gateways and shared server connections."
    >
      <CreateTeamForm onCancel={onClose} onCreated={onCreated} />
    </Dialog>
  );
}

function CreateTeamForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (team: Team) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const { form, errors, setErrors, showErrors, clearError } = useFieldErrors<'name' | 'slug'>();

  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: async (team) => {
        await queryClient.invalidateQueries(trpc.teams.list.queryFilter());
        onCreated(team);
      },
      onError: (error) => {
        const fields = errorFields(error);
        if (fields.name || fields.slug) setErrors({ name: fields.name, slug: fields.slug });
      },
    }),
  );
  const serverFieldError = Boolean(errors.name || errors.slug);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = { name, slug: slug || undefined };
    const parsed = ZCreateTeamRequest.safeParse(input);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error));
    setErrors({});
    create.mutate(input);
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-5">
      {create.error && !serverFieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Team name"
        name="name"
        autoFocus
        maxLength={100}
        placeholder="Platform Engineering"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          clearError('name');
        }}
        error={errors.name}
      />
      <TextField
        label="Slug"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        maxLength={40}
        placeholder="platform-engineering"
        value={slug}
        onChange={(e) => {
          editSlug(e.target.value);
          clearError('slug');
        }}
        error={errors.slug}
        hint="Identifies the team in the API and in identity-provider group claims."
      />
      <FormActions
        onCancel={onCancel}
        pending={create.isPending}
        pendingLabel="Creating…"
        submitLabel="Create team"
      />
    </form>
  );
}
