'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ZCreateRegistryEntryRequest, type CreateRegistryEntryRequest } from '@toolgate/api/schemas/registry';
import { useState, type FormEvent } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { TextField } from '~/components/ui/field';
import { useNameAndSlug } from '~/components/use-name-and-slug';
import { errorFields, useTRPC } from '~/trpc/react';
import { KindFieldset, ProbeSummary, isHttpUrl, type Kind } from './add-server-fields';
import {
  CommandFields,
  DocsUrlField,
  EntryInstallFields,
  NameAndSlugFields,
  URL_MAX,
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
  type RemoteSettings,
} from './remote-auth-fields';

export function AddServerDialog({
  open,
  allowStdio,
  jwksUrl,
  onClose,
  onAdded,
}: {
  open: boolean;
  allowStdio: boolean;
  jwksUrl: string;
  onClose: () => void;
  /** The new entry's id, so the list can show it. */
  onAdded?: (id: string) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Add a server"
      description="Register a remote MCP server by its URL, or a local one by the command that starts it. Credentials are entered when it is installed."
    >
      <AddServerForm
        allowStdio={allowStdio}
        jwksUrl={jwksUrl}
        onDone={onClose}
        onAdded={(id) => {
          onAdded?.(id);
          onClose();
        }}
      />
    </Dialog>
  );
}

/** The request the form describes; empty optional values are left out. */
function buildRequest(
  { name, slug, local, iconUrl }: { name: string; slug: string; local: boolean; iconUrl: string },
  draft: RegistryEntryForm,
  remote: RemoteSettings,
): CreateRegistryEntryRequest {
  const values = draft.values();
  const auth = local ? { authKind: 'none' as const } : remoteAuth(remote);
  // The credentials the auth reads (header: a secret token; exchanges: the gateway's clients).
  const installFields = withAuthFields(auth.authKind, values.installFields);
  return {
    name,
    slug,
    ...(local
      ? {
          transport: 'stdio',
          ...(values.runs === 'package'
            ? { package: values.package, version: values.version, ...(values.bin ? { bin: values.bin } : {}) }
            : { command: values.command }),
          args: values.args,
          env: values.env,
          network: values.network,
        }
      : { transport: remote.transport, url: values.url }),
    ...auth,
    installFields,
    ...(values.description ? { description: values.description } : {}),
    ...(values.docsUrl ? { docsUrl: values.docsUrl } : {}),
    ...(iconUrl.trim() ? { iconUrl: iconUrl.trim() } : {}),
  };
}

function AddServerForm({
  allowStdio,
  jwksUrl,
  onDone,
  onAdded,
}: {
  allowStdio: boolean;
  jwksUrl: string;
  onDone: () => void;
  onAdded: (id: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const [kind, setKind] = useState<Kind>('remote');
  const remote = useRemoteSettings();
  const [iconUrl, setIconUrl] = useState('');
  const draft = useRegistryEntryForm();
  const { form, errors, setErrors, showErrors, clear } = draft;

  const create = useMutation(
    trpc.registry.create.mutationOptions({
      onSuccess: async (entry) => {
        await queryClient.invalidateQueries(trpc.registry.list.queryFilter());
        onAdded(entry.id);
      },
      onError: (error) => showErrors(authConfigErrors({ ...errorFields(error) }, error.message)),
    }),
  );
  const probe = useMutation(
    trpc.registry.probe.mutationOptions({
      onSuccess: (found) => {
        if (!found.speaksMcp) return;
        if (found.transport) remote.setTransport(found.transport);
        if (found.suggestedAuthKind !== 'none') remote.setAuthKind(found.suggestedAuthKind);
        if (found.suggestedAuthKind === 'oauth' && found.authorizationServers[0])
          remote.setAuthorizationServer(found.authorizationServers[0]);
        if (!name) setName(found.serverInfo?.name || found.suggestedName);
      },
      onError: (error) => {
        const fieldError = errorFields(error).url;
        if (fieldError) showErrors({ url: fieldError });
      },
    }),
  );
  const url = draft.url.trim();
  /** Detect: the URL is checked here first, so only a well-formed one is sent. */
  function detect() {
    if (!isHttpUrl(url)) {
      probe.reset();
      return showErrors({
        url: 'Enter the server’s http:// or https:// URL, e.g. https://mcp.example.com/mcp',
      });
    }
    clear('url');
    probe.mutate({ url });
  }
  const serverFieldError = Object.values(errors).some(Boolean);
  const local = kind === 'local';

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = buildRequest({ name, slug, local, iconUrl }, draft, remote);
    const parsed = ZCreateRegistryEntryRequest.safeParse(input);
    if (!parsed.success) return showErrors(authConfigErrors(addIssues({}, parsed)));
    setErrors({});
    create.mutate(input);
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {create.error && !serverFieldError && <Alert>{create.error.message}</Alert>}
      <NameAndSlugFields
        draft={draft}
        name={name}
        slug={slug}
        onName={setName}
        onSlug={editSlug}
        example={slug || 'acme-docs'}
        nameProps={{ placeholder: 'Acme Docs' }}
        slugPlaceholder="acme-docs"
      />
      <KindFieldset
        kind={kind}
        allowStdio={allowStdio}
        onChange={(next) => {
          setKind(next);
          setErrors({});
        }}
      />

      {local ? (
        <CommandFields draft={draft} placeholder="npx" />
      ) : (
        <>
          <UrlField draft={draft} placeholder="https://mcp.example.com/mcp" onEdit={() => probe.reset()} />
          <div className="-mt-2 flex items-center gap-3 text-sm">
            <Button variant="secondary" disabled={!url || probe.isPending} onClick={detect}>
              {probe.isPending ? 'Detecting…' : 'Detect'}
            </Button>
            <ProbeSummary
              result={probe.data}
              error={probe.error && !errorFields(probe.error).url ? probe.error.message : undefined}
            />
          </div>
          <RemoteSettingsFields remote={remote} draft={draft} jwksUrl={jwksUrl} />
        </>
      )}

      <EntryInstallFields
        draft={draft}
        local={local}
        reservedNote={local ? undefined : authFieldsNote(remote.authKind)}
      />

      <details className="group rounded-lg ring-1 ring-slate-200">
        <summary className="cursor-pointer px-3 py-2 text-sm font-medium text-slate-700">
          Description, docs and icon
        </summary>
        <div className="flex flex-col gap-4 px-3 pt-1 pb-3">
          <TextField
            label="Description"
            name="description"
            maxLength={2000}
            value={draft.description}
            onChange={(e) => {
              draft.setDescription(e.target.value);
              clear('description');
            }}
            error={errors.description}
          />
          <DocsUrlField draft={draft} />
          <TextField
            label="Icon URL"
            name="iconUrl"
            type="url"
            spellCheck={false}
            placeholder="https://example.com/icon.png"
            maxLength={URL_MAX}
            value={iconUrl}
            onChange={(e) => {
              setIconUrl(e.target.value);
              clear('iconUrl');
            }}
            error={errors.iconUrl}
          />
        </div>
      </details>

      <FormActions
        onCancel={onDone}
        pending={create.isPending}
        pendingLabel="Adding…"
        submitLabel="Add server"
      />
    </form>
  );
}
