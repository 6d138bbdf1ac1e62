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
  type RegistryEntryForm,
} from './registry-entry-form';
import {
  RemoteSettingsFields,
  authConfigErrors,
  authFieldsNote,
  remoteAuth,
  useRemoteSettings,
  withAuthFields,
} from './remote-auth-fields';

/** Edits a tenant-private registry entry; the built-in catalog is read-only and never gets here. */
export function EditRegistryEntryDialog({
  entry,
  open,
  jwksUrl,
  onClose,
}: {
  entry: RegistryEntry;
  open: boolean;
  /** Toolgate's JWKS, which the Forwarded JWT option names. */
  jwksUrl: string;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Edit ${entry.name}`}
      description="Installations keep their stored values and credentials; gateways pick up the change at once."
    >
      <EditForm entry={entry} jwksUrl={jwksUrl} onDone={onClose} />
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
    ...(entry.package === null ? {} : { package: entry.package }),
    ...(entry.bin === null ? {} : { bin: entry.bin }),
    network: entry.network,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The entry the patch makes, as the service merges it: a package replaces the command and back. */
function mergedRequest(entry: RegistryEntry, patch: UpdateRegistryEntryRequest): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...storedRequest(entry), ...patch };
  if (typeof patch.package === 'string' && patch.command === undefined) delete merged.command;
  if (typeof patch.command === 'string' && patch.package === undefined) {
    delete merged.package;
    delete merged.bin;
  }
  for (const key of ['package', 'bin']) if (merged[key] === null) delete merged[key];
  return merged;
}

/** What changed in a local server's command or package, and its network. */
function localPatch(entry: RegistryEntry, next: ReturnType<RegistryEntryForm['values']>) {
  const network = next.network !== entry.network ? { network: next.network } : {};
  if (next.runs === 'command')
    return {
      ...(next.command !== (entry.command ?? '') ? { command: next.command } : {}),
      ...network,
    };
  return {
    ...(next.package !== (entry.package ?? '') ? { package: next.package } : {}),
    ...(next.version !== (entry.version ?? '') ? { version: next.version } : {}),
    ...(next.bin !== (entry.bin ?? '') ? { bin: next.bin === '' ? null : next.bin } : {}),
    ...network,
  };
}

const KEPT_VALUES =
  'Installations keep the values they have; a field added here is empty on them until they are edited.';

/** Which install fields the entry's auth reads its credentials from, so they are kept. */
function credentialFieldsNote(entry: RegistryEntry): string {
  if (entry.authKind === 'header') {
    const field =
      entry.installFields.find((f) => (HEADER_AUTH_FIELDS as readonly string[]).includes(f.key))?.key ??
      'token';
    return `The credential for the ${entry.authConfig.headerName ?? 'auth'} header is the secret field “${field}”: keep it.`;
  }
  if (entry.authKind === 'token_exchange')
    return 'The gateway’s client at the identity provider is the fields “clientId” and “clientSecret”: keep them.';
  if (entry.authKind === 'id_jag')
    return 'The gateway’s clients are the fields “clientId” and “clientSecret” (at the identity provider) and “upstreamClientId” and “upstreamClientSecret” (at the server’s authorization server): keep them.';
  return KEPT_VALUES;
}

function EditForm({ entry, jwksUrl, onDone }: { entry: RegistryEntry; jwksUrl: string; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const local = entry.transport === 'stdio';
  const [name, setName] = useState(entry.name);
  const [slug, setSlug] = useState(entry.slug);
  const draft = useRegistryEntryForm(entry);
  const remote = useRemoteSettings(entry);
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
      onError: (error) => showErrors(authConfigErrors({ ...errorFields(error) }, error.message)),
    }),
  );

  const nextSlug = slug.trim();
  const slugChanged = nextSlug !== entry.slug;

  // A remote server's transport and auth, built the same way from the entry and from the form.
  const auth = remoteAuth(remote);
  const authKindChanged = !local && auth.authKind !== entry.authKind;
  const authConfigChanged =
    !local &&
    auth.authKind !== 'oauth_passthrough' &&
    (authKindChanged || !same(auth.authConfig, remoteAuth(remote.initial).authConfig));

  /** Only what changed: the service keeps the rest as stored. */
  function buildPatch(): UpdateRegistryEntryRequest {
    const next = draft.values();
    // Switching auth adds the install fields it reads its credentials from, unless they are there.
    const installFields = authKindChanged
      ? withAuthFields(auth.authKind, next.installFields)
      : next.installFields;
    return {
      ...(name.trim() !== entry.name ? { name: name.trim() } : {}),
      ...(slugChanged ? { slug: nextSlug } : {}),
      ...(next.description !== entry.description ? { description: next.description } : {}),
      ...(!local && next.url !== (entry.url ?? '') ? { url: next.url } : {}),
      ...(!local && remote.transport !== entry.transport ? { transport: remote.transport } : {}),
      ...(authKindChanged ? { authKind: auth.authKind } : {}),
      ...(authConfigChanged ? { authConfig: auth.authConfig } : {}),
      ...(local ? localPatch(entry, next) : {}),
      ...(local && !same(next.args, entry.args) ? { args: next.args } : {}),
      ...(local && !same(next.env, entry.env) ? { env: next.env } : {}),
      ...(next.docsUrl && next.docsUrl !== entry.docsUrl ? { docsUrl: next.docsUrl } : {}),
      // Compared through the same builder: stored JSON need not keep the keys' order.
      ...(!same(installFields, draft.initialInstallFields()) ? { installFields } : {}),
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
    const whole = ZCreateRegistryEntryRequest.safeParse(mergedRequest(entry, patch));
    addIssues(found, whole, ZUpdateRegistryEntryRequest.safeParse(patch));
    if (Object.values(found).some(Boolean)) return showErrors(authConfigErrors(found));
    setErrors({});
    update.mutate({ entryId: entry.id, input: patch });
  }

  const serverFieldError = Object.values(errorFields(update.error)).some(Boolean);

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
      {local ? (
        <CommandFields draft={draft} />
      ) : (
        <>
          <UrlField draft={draft} />
          <RemoteSettingsFields remote={remote} draft={draft} jwksUrl={jwksUrl} />
        </>
      )}
      <DocsUrlField draft={draft} />
      <EntryInstallFields
        draft={draft}
        local={local}
        reservedNote={
          authKindChanged ? (authFieldsNote(auth.authKind) ?? KEPT_VALUES) : credentialFieldsNote(entry)
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
