'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  HEADER_AUTH_FIELDS,
  ZCreateRegistryEntryRequest,
  ZUpdateRegistryEntryRequest,
  type RegistryEntry,
  type UpdateRegistryEntryRequest,
} from '@toolgate/api/schemas/registry';
import { useState, type FormEvent } from 'react';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { TextAreaField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';
import type { PathErrors } from './install-fields-editor';
import {
  CommandFields,
  DocsUrlField,
  EntryInstallFields,
  NameAndSlugFields,
  UrlField,
  addIssues,
  useRegistryEntryForm,
} from './registry-entry-form';

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
  const draft = useRegistryEntryForm(entry);
  const { form, errors, setErrors, showErrors, clear } = draft;

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
    const next = draft.values();
    return {
      ...(name.trim() !== entry.name ? { name: name.trim() } : {}),
      ...(slugChanged ? { slug: nextSlug } : {}),
      ...(next.description !== entry.description ? { description: next.description } : {}),
      ...(!local && next.url !== (entry.url ?? '') ? { url: next.url } : {}),
      ...(local && next.command !== (entry.command ?? '') ? { command: next.command } : {}),
      ...(local && !same(next.args, entry.args) ? { args: next.args } : {}),
      ...(local && !same(next.env, entry.env) ? { env: next.env } : {}),
      ...(next.docsUrl && next.docsUrl !== entry.docsUrl ? { docsUrl: next.docsUrl } : {}),
      // Compared through the same builder: stored JSON need not keep the keys' order.
      ...(!same(next.installFields, draft.initialInstallFields())
        ? { installFields: next.installFields }
        : {}),
    };
  }

  const patch = buildPatch();
  const changed = Object.keys(patch).length > 0;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found: PathErrors = {};
    if (entry.docsUrl && !draft.docsUrl.trim())
      found.docsUrl = 'A documentation link cannot be removed, only replaced: enter its new URL.';
    // The edited entry as a whole, checked like a new one (paths such as "installFields.0.key").
    const whole = ZCreateRegistryEntryRequest.safeParse({ ...storedRequest(entry), ...patch });
    addIssues(found, whole, ZUpdateRegistryEntryRequest.safeParse(patch));
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    update.mutate({ entryId: entry.id, input: patch });
  }

  const serverFieldError = Object.values(errorFields(update.error)).some(Boolean);
  const headerAuth = entry.authKind === 'header';

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {update.error && !serverFieldError && <Alert>{update.error.message}</Alert>}
      <NameAndSlugFields
        draft={draft}
        name={name}
        slug={slug}
        onName={setName}
        onSlug={(value) => setSlug(value.toLowerCase())}
        example={nextSlug || entry.slug}
        nameProps={{ autoComplete: 'off' }}
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
        value={draft.description}
        onChange={(e) => {
          draft.setDescription(e.target.value);
          clear('description');
        }}
        error={errors.description}
      />
      {local ? <CommandFields draft={draft} /> : <UrlField draft={draft} />}
      <DocsUrlField draft={draft} />
      <EntryInstallFields
        draft={draft}
        local={local}
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
