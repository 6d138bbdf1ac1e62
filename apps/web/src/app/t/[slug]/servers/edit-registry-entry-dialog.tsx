'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { sentence } from '@toolgate/api/schemas/field-errors';
import {
  HEADER_AUTH_FIELDS,
  ZCreateRegistryEntryRequest,
  ZUpdateRegistryEntryRequest,
  type InstallFieldInput,
  type RegistryEntry,
  type UpdateRegistryEntryRequest,
} from '@toolgate/api/schemas/registry';
import { useState, type FormEvent } from 'react';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextAreaField, TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';
import {
  InstallFieldsEditor,
  ListEditor,
  toInstallField,
  type FieldDraft,
  type PathErrors,
} from './install-fields-editor';

type Row = { id: string; key: string; value: string };

const NAME_MAX = 100;
const SLUG_MAX = 40;
const URL_MAX = 2048;

/** Edits a tenant-private registry entry; the built-in catalog is read-only and never gets here. */
export function EditRegistryEntryDialog({
  entry,
  open,
  onClose,
}: {
  entry: RegistryEntry;
  open: boolean;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Edit ${entry.name}`}
      description="Installations keep their stored values and credentials; gateways pick up the change at once."
    >
      <EditForm entry={entry} onDone={onClose} />
    </Dialog>
  );
}

const rowsOf = (values: string[]): Row[] =>
  values.map((value) => ({ id: crypto.randomUUID(), key: '', value }));

const draftOf = (field: RegistryEntry['installFields'][number]): FieldDraft => ({
  id: crypto.randomUUID(),
  key: field.key,
  label: field.label,
  required: field.required,
  secret: field.secret,
  targetKind: field.target?.kind ?? '',
  targetName: field.target?.name ?? '',
  targetPrefix: field.target?.prefix ?? '',
});

/** The entry as the create schema reads it, to check the edited whole as the service does. */
function storedRequest(entry: RegistryEntry) {
  return {
    slug: entry.slug,
    name: entry.name,
    description: entry.description,
    transport: entry.transport as 'stdio' | 'streamable_http' | 'sse',
    ...(entry.url === null ? {} : { url: entry.url }),
    ...(entry.command === null ? {} : { command: entry.command }),
    args: entry.args,
    env: entry.env,
    authKind: entry.authKind,
    authConfig: entry.authConfig,
    installFields: entry.installFields,
    ...(entry.docsUrl === null ? {} : { docsUrl: entry.docsUrl }),
    ...(entry.iconUrl === null ? {} : { iconUrl: entry.iconUrl }),
    ...(entry.version === null ? {} : { version: entry.version }),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function EditForm({ entry, onDone }: { entry: RegistryEntry; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const local = entry.transport === 'stdio';
  const [name, setName] = useState(entry.name);
  const [slug, setSlug] = useState(entry.slug);
  const [description, setDescription] = useState(entry.description);
  const [url, setUrl] = useState(entry.url ?? '');
  const [command, setCommand] = useState(entry.command ?? '');
  const [args, setArgs] = useState<Row[]>(() => rowsOf(entry.args));
  const [env, setEnv] = useState<Row[]>(() =>
    Object.entries(entry.env).map(([key, value]) => ({ id: crypto.randomUUID(), key, value })),
  );
  const [docsUrl, setDocsUrl] = useState(entry.docsUrl ?? '');
  const [initialFields] = useState<FieldDraft[]>(() => entry.installFields.map(draftOf));
  const [fields, setFields] = useState<FieldDraft[]>(initialFields);
  const { form, errors, setErrors, showErrors, clearError: clear } = useFieldErrors<string>();

  const update = useMutation(
    trpc.registry.update.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.registry.list.queryFilter()),
          queryClient.invalidateQueries(trpc.installations.list.queryFilter()),
        ]);
        onDone();
      },
      onError: (error) => showErrors(errorFields(error)),
    }),
  );

  const nextSlug = slug.trim();
  const slugChanged = nextSlug !== entry.slug;

  /** Only what changed: the service keeps the rest as stored. */
  function buildPatch(): UpdateRegistryEntryRequest {
    // The form has no place for a field's description: it stays with the field's key.
    const descriptions = new Map(entry.installFields.map((f) => [f.key, f.description]));
    const fieldsOf = (drafts: FieldDraft[]): InstallFieldInput[] =>
      drafts.map((d) => {
        const field = toInstallField(d);
        const kept = descriptions.get(field.key);
        return kept === undefined ? field : { ...field, description: kept };
      });
    const installFields = fieldsOf(fields);
    const nextArgs = args.map((a) => a.value);
    const nextEnv = Object.fromEntries(env.map((e) => [e.key.trim(), e.value]));
    return {
      ...(name.trim() !== entry.name ? { name: name.trim() } : {}),
      ...(slugChanged ? { slug: nextSlug } : {}),
      ...(description.trim() !== entry.description ? { description: description.trim() } : {}),
      ...(!local && url.trim() !== (entry.url ?? '') ? { url: url.trim() } : {}),
      ...(local && command.trim() !== (entry.command ?? '') ? { command: command.trim() } : {}),
      ...(local && !same(nextArgs, entry.args) ? { args: nextArgs } : {}),
      ...(local && !same(nextEnv, entry.env) ? { env: nextEnv } : {}),
      ...(docsUrl.trim() && docsUrl.trim() !== entry.docsUrl ? { docsUrl: docsUrl.trim() } : {}),
      // Compared through the same builder: stored JSON need not keep the keys' order.
      ...(!same(installFields, fieldsOf(initialFields)) ? { installFields } : {}),
    };
  }

  const patch = buildPatch();
  const changed = Object.keys(patch).length > 0;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found: PathErrors = {};
    if (entry.docsUrl && !docsUrl.trim())
      found.docsUrl = 'A documentation link cannot be removed, only replaced: enter its new URL.';
    // The edited entry as a whole, checked like a new one (paths such as "installFields.0.key").
    const whole = ZCreateRegistryEntryRequest.safeParse({ ...storedRequest(entry), ...patch });
    const own = ZUpdateRegistryEntryRequest.safeParse(patch);
    for (const issue of [
      ...(whole.success ? [] : whole.error.issues),
      ...(own.success ? [] : own.error.issues),
    ]) {
      found[issue.path.map(String).join('.')] ??= sentence(issue.message);
    }
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    update.mutate({ entryId: entry.id, input: patch });
  }

  const serverFieldError = Object.values(errorFields(update.error)).some(Boolean);
  const headerAuth = entry.authKind === 'header';

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {update.error && !serverFieldError && <Alert>{update.error.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        autoFocus
        autoComplete="off"
        maxLength={NAME_MAX}
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          clear('name');
        }}
        error={errors.name}
      />
      <TextField
        label="Slug"
        name="slug"
        autoComplete="off"
        spellCheck={false}
        maxLength={SLUG_MAX}
        value={slug}
        onChange={(e) => {
          setSlug(e.target.value.toLowerCase());
          clear('slug');
        }}
        error={errors.slug}
        hint={
          <>
            Prefixes the server&apos;s tools in gateways:{' '}
            <code className="font-mono">{nextSlug || entry.slug}__search</code>
          </>
        }
      />
      {slugChanged && (
        <Notice role="status">
          <p className="font-medium">Changing the slug renames this server&apos;s tools on every gateway.</p>
          <p className="mt-1">
            <code className="font-mono break-all">{entry.slug}__&lt;tool&gt;</code> becomes{' '}
            <code className="font-mono break-all">{nextSlug || '…'}__&lt;tool&gt;</code>: connected clients
            see the new names, and anything that calls the old names stops working.
          </p>
        </Notice>
      )}
      <TextAreaField
        label="Description"
        name="description"
        rows={2}
        maxLength={2000}
        value={description}
        onChange={(e) => {
          setDescription(e.target.value);
          clear('description');
        }}
        error={errors.description}
      />
      {local ? (
        <>
          <TextField
            label="Command"
            name="command"
            autoComplete="off"
            spellCheck={false}
            maxLength={500}
            value={command}
            onChange={(e) => {
              setCommand(e.target.value);
              clear('command');
            }}
            error={errors.command}
          />
          <ListEditor
            legend="Arguments"
            hint="Passed to the command in this order."
            rows={args}
            onChange={(next) => {
              setArgs(next);
              clear('args');
            }}
            pairs={false}
            errors={errors}
            errorPath="args"
            addLabel="Add argument"
          />
          <ListEditor
            legend="Environment"
            hint="Fixed variables for every installation; per-installation values are install-time fields."
            rows={env}
            onChange={(next) => {
              setEnv(next);
              clear('env');
            }}
            pairs
            errors={errors}
            errorPath="env"
            addLabel="Add variable"
          />
        </>
      ) : (
        <TextField
          label="Server URL"
          name="url"
          type="url"
          autoComplete="off"
          spellCheck={false}
          maxLength={URL_MAX}
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
            clear('url');
          }}
          error={errors.url}
        />
      )}
      <TextField
        label="Documentation URL"
        name="docsUrl"
        type="url"
        spellCheck={false}
        placeholder="https://docs.example.com/mcp"
        maxLength={URL_MAX}
        value={docsUrl}
        onChange={(e) => {
          setDocsUrl(e.target.value);
          clear('docsUrl');
        }}
        error={errors.docsUrl}
      />
      <InstallFieldsEditor
        fields={fields}
        onChange={(next) => {
          setFields(next);
          setErrors((err) =>
            Object.fromEntries(Object.entries(err).filter(([k]) => !k.startsWith('installFields'))),
          );
        }}
        local={local}
        errors={errors}
        reservedNote={
          headerAuth
            ? `The credential for the ${entry.authConfig.headerName ?? 'auth'} header is the secret field “${
                entry.installFields.find((f) => (HEADER_AUTH_FIELDS as readonly string[]).includes(f.key))
                  ?.key ?? 'token'
              }”: keep it.`
            : 'Installations keep the values they have; a field added here is empty on them until they are edited.'
        }
      />
      {errors[''] && <Alert>{errors['']}</Alert>}
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" pending={update.isPending} disabled={!changed}>
          {update.isPending ? 'Saving…' : slugChanged ? 'Save and rename tools' : 'Save changes'}
        </Button>
      </div>
    </form>
  );
}
