'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useNameAndSlug } from '~/components/use-name-and-slug';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { fieldErrors, type FieldErrors } from '~/schemas/field-errors';
import { ZCreateTeamRequest, type Team } from '~/schemas/teams';
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
  const form = useRef<HTMLFormElement>(null);
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const [errors, setErrors] = useState<FieldErrors<'name' | 'slug'>>({});

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
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error));
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
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
        placeholder="Platform Engineering"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          if (errors.name) setErrors((err) => ({ ...err, name: undefined }));
        }}
        error={errors.name}
      />
      <TextField
        label="Slug"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        placeholder="platform-engineering"
        value={slug}
        onChange={(e) => {
          editSlug(e.target.value);
          if (errors.slug) setErrors((err) => ({ ...err, slug: undefined }));
        }}
        error={errors.slug}
        hint="Identifies the team in the API and in policies."
      />
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" pending={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create team'}
        </Button>
      </div>
    </form>
  );
}
