'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Installation } from '@toolgate/api/schemas/installations';
import type { RegistryEntry } from '@toolgate/api/schemas/registry';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

/** The longest name and field value the API accepts. */
const NAME_MAX = 100;
const VALUE_MAX = 10_000;

export function EditInstallationDialog({
  open,
  installation,
  entry,
  onClose,
  onSaved,
}: {
  open: boolean;
  installation: Installation;
  /** Its registry entry: the install fields to offer. Undefined while the registry loads. */
  entry: RegistryEntry | undefined;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Edit ${installation.name}`}
      description="Rename this connection or replace its values. Secret values are never shown: enter a new one to replace what is stored."
    >
      {entry ? (
        <EditForm installation={installation} entry={entry} onCancel={onClose} onSaved={onSaved} />
      ) : (
        <p className="text-sm text-slate-500">Loading the server’s fields…</p>
      )}
    </Dialog>
  );
}

function EditForm({
  installation,
  entry,
  onCancel,
  onSaved,
}: {
  installation: Installation;
  entry: RegistryEntry;
  onCancel: () => void;
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const fields = entry.installFields;
  const [name, setName] = useState(installation.name);
  // Secret fields start empty (empty = keep what is stored); the others show their value.
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.filter((f) => !f.secret).map((f) => [f.key, installation.config[f.key] ?? ''])),
  );
  const { form, errors, setErrors, showErrors } = useFieldErrors<string>();

  const changedValues = Object.fromEntries(
    fields
      .filter((f) =>
        f.secret
          ? (values[f.key] ?? '') !== ''
          : (values[f.key] ?? '') !== (installation.config[f.key] ?? ''),
      )
      .map((f) => [f.key, values[f.key] ?? '']),
  );
  const renamed = name.trim() !== installation.name;
  const rotated = fields.some((f) => f.secret && changedValues[f.key] !== undefined);
  const dirty = renamed || Object.keys(changedValues).length > 0;

  const update = useMutation(
    trpc.installations.update.mutationOptions({
      onSuccess: async (updated) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.installations.get.queryFilter({ id: installation.id })),
          queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
        ]);
        onSaved(
          rotated
            ? `Saved. ${updated.name} now uses the new credentials; gateways pick them up within a second.`
            : `Saved ${updated.name}.`,
        );
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name';
    for (const f of fields) {
      if (!f.secret && f.required && !(values[f.key] ?? '').trim()) found[f.key] = `Enter ${f.label}`;
    }
    if (Object.keys(found).length > 0) return showErrors(found);
    setErrors({});
    update.mutate({
      id: installation.id,
      ...(renamed ? { name: name.trim() } : {}),
      ...(Object.keys(changedValues).length > 0 ? { values: changedValues } : {}),
    });
  }

  // Field messages go under their inputs; messages about the values as a whole, and anything
  // else, above the form.
  const shownUnderFields = new Set(['name', ...fields.map((f) => f.key)]);
  const general = update.error && !Object.keys(errors).some((k) => shownUnderFields.has(k) && errors[k]);
  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {general && <Alert>{errors.values ?? update.error?.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        autoComplete="off"
        maxLength={NAME_MAX}
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setErrors((err) => ({ ...err, name: undefined }));
        }}
        error={errors.name}
        hint="Tells this connection apart from other installations of the same server."
      />
      {fields.map((f) => (
        <TextField
          key={f.key}
          label={f.label}
          name={f.key}
          type={f.secret ? 'password' : 'text'}
          autoComplete={f.secret ? 'new-password' : 'off'}
          spellCheck={false}
          maxLength={VALUE_MAX}
          placeholder={f.secret && installation.hasCredentials ? '••••••••' : undefined}
          value={values[f.key] ?? ''}
          onChange={(e) => {
            setValues((v) => ({ ...v, [f.key]: e.target.value }));
            setErrors((err) => ({ ...err, [f.key]: undefined }));
          }}
          error={errors[f.key]}
          hint={
            f.secret
              ? installation.hasCredentials
                ? 'Stored — enter a new value to replace it.'
                : 'Not stored yet — enter a value.'
              : f.description
          }
        />
      ))}
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" pending={update.isPending} disabled={!dirty}>
          {update.isPending ? 'Saving…' : 'Save changes'}
        </Button>
      </div>
    </form>
  );
}
