'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  HEADER_AUTH_FIELDS,
  ZCreateRegistryEntryRequest,
  type CreateRegistryEntryRequest,
} from '@toolgate/api/schemas/registry';
import { useId, useState, type FormEvent } from 'react';
import { sentence } from '@toolgate/api/schemas/field-errors';
import type { AppRouter } from '@toolgate/api/trpc/root';
import type { inferRouterOutputs } from '@trpc/server';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, FormActions } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { useNameAndSlug } from '~/components/use-name-and-slug';
import { errorFields, useTRPC } from '~/trpc/react';
import {
  InstallFieldsEditor,
  ListEditor,
  toInstallField,
  type FieldDraft,
  type PathErrors,
} from './install-fields-editor';
import { STDIO_UNAVAILABLE } from './labels';

type Kind = 'remote' | 'local';
type RemoteTransport = 'streamable_http' | 'sse';
type AuthKind = CreateRegistryEntryRequest['authKind'] & string;
type Row = { id: string; key: string; value: string };

type ProbeResult = inferRouterOutputs<AppRouter>['registry']['probe'];

const NAME_MAX = 100;
const SLUG_MAX = 40;
const URL_MAX = 2048;

export function AddServerDialog({
  open,
  allowStdio,
  onClose,
  onAdded,
}: {
  open: boolean;
  allowStdio: boolean;
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
        onDone={onClose}
        onAdded={(id) => {
          onAdded?.(id);
          onClose();
        }}
      />
    </Dialog>
  );
}

/** The request the form describes; `null` fields are left out. */
function buildRequest(form: {
  name: string;
  slug: string;
  kind: Kind;
  url: string;
  transport: RemoteTransport;
  command: string;
  args: Row[];
  env: Row[];
  authKind: AuthKind;
  headerName: string;
  valuePrefix: string;
  authorizationServer: string;
  scopes: string;
  fields: FieldDraft[];
  description: string;
  docsUrl: string;
  iconUrl: string;
}): CreateRegistryEntryRequest {
  const local = form.kind === 'local';
  const authKind: AuthKind = local ? 'none' : form.authKind;
  const installFields = form.fields.map(toInstallField);
  // Header auth reads its credential from a secret field named token or apiKey: add one unless given.
  if (authKind === 'header' && !installFields.some((f) => HEADER_AUTH_FIELDS.includes(f.key as 'token'))) {
    installFields.push({ key: 'token', label: 'Token', required: true, secret: true });
  }
  const scopes = form.scopes.split(/[\s,]+/).filter(Boolean);
  return {
    name: form.name,
    slug: form.slug,
    ...(local
      ? {
          transport: 'stdio',
          command: form.command.trim(),
          args: form.args.map((a) => a.value),
          env: Object.fromEntries(form.env.map((e) => [e.key.trim(), e.value])),
        }
      : { transport: form.transport, url: form.url.trim() }),
    authKind,
    ...(authKind === 'header'
      ? {
          authConfig: {
            headerName: form.headerName.trim(),
            ...(form.valuePrefix ? { valuePrefix: form.valuePrefix } : {}),
          },
        }
      : authKind === 'oauth'
        ? {
            authConfig: {
              ...(form.authorizationServer.trim()
                ? { authorizationServer: form.authorizationServer.trim() }
                : {}),
              ...(scopes.length > 0 ? { scopes } : {}),
            },
          }
        : {}),
    installFields,
    ...(form.description.trim() ? { description: form.description.trim() } : {}),
    ...(form.docsUrl.trim() ? { docsUrl: form.docsUrl.trim() } : {}),
    ...(form.iconUrl.trim() ? { iconUrl: form.iconUrl.trim() } : {}),
  };
}

function AddServerForm({
  allowStdio,
  onDone,
  onAdded,
}: {
  allowStdio: boolean;
  onDone: () => void;
  onAdded: (id: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const kindName = useId();
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const [kind, setKind] = useState<Kind>('remote');
  const [url, setUrl] = useState('');
  const [transport, setTransport] = useState<RemoteTransport>('streamable_http');
  const [command, setCommand] = useState('');
  const [args, setArgs] = useState<Row[]>([]);
  const [env, setEnv] = useState<Row[]>([]);
  const [authKind, setAuthKind] = useState<AuthKind>('none');
  const [headerName, setHeaderName] = useState('Authorization');
  const [valuePrefix, setValuePrefix] = useState('Bearer ');
  const [authorizationServer, setAuthorizationServer] = useState('');
  const [scopes, setScopes] = useState('');
  const [fields, setFields] = useState<FieldDraft[]>([]);
  const [description, setDescription] = useState('');
  const [docsUrl, setDocsUrl] = useState('');
  const [iconUrl, setIconUrl] = useState('');
  const { form, errors, setErrors, showErrors, clearError: clear } = useFieldErrors<string>();

  const create = useMutation(
    trpc.registry.create.mutationOptions({
      onSuccess: async (entry) => {
        await queryClient.invalidateQueries(trpc.registry.list.queryFilter());
        onAdded(entry.id);
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );
  const probe = useMutation(
    trpc.registry.probe.mutationOptions({
      onSuccess: (found) => {
        if (!found.speaksMcp) return;
        if (found.transport) setTransport(found.transport);
        if (found.suggestedAuthKind !== 'none') setAuthKind(found.suggestedAuthKind);
        if (found.suggestedAuthKind === 'oauth' && found.authorizationServers[0])
          setAuthorizationServer(found.authorizationServers[0]);
        if (!name) setName(found.serverInfo?.name || found.suggestedName);
      },
      onError: (error) => {
        const fieldError = errorFields(error).url;
        if (fieldError) showErrors({ url: fieldError });
      },
    }),
  );
  /** Detect: the URL is checked here first, so only a well-formed one is sent. */
  function detect() {
    if (!isHttpUrl(url.trim())) {
      probe.reset();
      return showErrors({
        url: 'Enter the server’s http:// or https:// URL, e.g. https://mcp.example.com/mcp',
      });
    }
    clear('url');
    probe.mutate({ url: url.trim() });
  }
  const serverFieldError = Object.values(errors).some(Boolean);
  const local = kind === 'local';

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = buildRequest({
      name,
      slug,
      kind,
      url,
      transport,
      command,
      args,
      env,
      authKind,
      headerName,
      valuePrefix,
      authorizationServer,
      scopes,
      fields,
      description,
      docsUrl,
      iconUrl,
    });
    const parsed = ZCreateRegistryEntryRequest.safeParse(input);
    if (!parsed.success) {
      const found: PathErrors = {};
      for (const issue of parsed.error.issues) {
        const path = issue.path.map(String).join('.');
        found[path] ??= sentence(issue.message);
      }
      // The form names the header in one place: the auth settings.
      found.headerName = found['authConfig.headerName'];
      found.valuePrefix = found['authConfig.valuePrefix'];
      found.authorizationServer = found['authConfig.authorizationServer'];
      found.scopes = found['authConfig.scopes'] ?? found['authConfig.scopes.0'];
      return showErrors(found);
    }
    setErrors({});
    create.mutate(input);
  }

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {create.error && !serverFieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        autoFocus
        maxLength={NAME_MAX}
        placeholder="Acme Docs"
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
        placeholder="acme-docs"
        maxLength={SLUG_MAX}
        value={slug}
        onChange={(e) => {
          editSlug(e.target.value);
          clear('slug');
        }}
        error={errors.slug}
        hint={
          <>
            Prefixes the server&apos;s tools in gateways:{' '}
            <code className="font-mono" data-testid="slug-example">
              {slug || 'acme-docs'}__search
            </code>
          </>
        }
      />
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-sm font-medium text-slate-800">Where it runs</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {(
            [
              { value: 'remote', label: 'Remote (URL)', hint: 'Streamable HTTP or SSE.' },
              {
                value: 'local',
                label: 'Local command (stdio)',
                hint: allowStdio ? 'Started on the Toolgate host.' : STDIO_UNAVAILABLE,
              },
            ] as const
          ).map((option) => {
            const disabled = option.value === 'local' && !allowStdio;
            return (
              <label
                key={option.value}
                className={
                  disabled
                    ? 'flex cursor-not-allowed items-start gap-3 rounded-lg px-3 py-2 opacity-60 ring-1 ring-slate-200'
                    : 'flex cursor-pointer items-start gap-3 rounded-lg px-3 py-2 ring-1 ring-slate-200 has-checked:bg-brand-50/60 has-checked:ring-brand-500'
                }
              >
                <input
                  type="radio"
                  name={kindName}
                  value={option.value}
                  checked={kind === option.value}
                  disabled={disabled}
                  onChange={() => {
                    setKind(option.value);
                    setErrors({});
                  }}
                  className="mt-1 accent-brand-600"
                />
                <span className="text-sm">
                  <span className="font-medium text-slate-900">{option.label}</span>
                  <span className="block text-slate-500">{option.hint}</span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>

      {local ? (
        <>
          <TextField
            label="Command"
            name="command"
            autoComplete="off"
            spellCheck={false}
            placeholder="npx"
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
            onChange={setArgs}
            pairs={false}
            errors={errors}
            errorPath="args"
            addLabel="Add argument"
          />
          <ListEditor
            legend="Environment"
            hint="Fixed variables for every installation; per-installation values are install-time fields."
            rows={env}
            onChange={setEnv}
            pairs
            errors={errors}
            errorPath="env"
            addLabel="Add variable"
          />
        </>
      ) : (
        <>
          <TextField
            label="Server URL"
            name="url"
            type="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://mcp.example.com/mcp"
            maxLength={URL_MAX}
            value={url}
            onChange={(e) => {
              setUrl(e.target.value);
              clear('url');
              probe.reset();
            }}
            error={errors.url}
          />
          <div className="-mt-2 flex items-center gap-3 text-sm">
            <Button variant="secondary" disabled={!url.trim() || probe.isPending} onClick={detect}>
              {probe.isPending ? 'Detecting…' : 'Detect'}
            </Button>
            <ProbeSummary
              result={probe.data}
              error={probe.error && !errorFields(probe.error).url ? probe.error.message : undefined}
            />
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              label="Transport"
              name="transport"
              value={transport}
              onChange={(e) => setTransport(e.target.value as RemoteTransport)}
              options={[
                { value: 'streamable_http', label: 'Streamable HTTP' },
                { value: 'sse', label: 'SSE (legacy)' },
              ]}
              error={errors.transport}
            />
            <SelectField
              label="Authentication"
              name="authKind"
              value={authKind}
              onChange={(e) => {
                setAuthKind(e.target.value as AuthKind);
                setErrors((err) => ({ ...err, authKind: undefined, installFields: undefined }));
              }}
              options={[
                { value: 'none', label: 'None' },
                { value: 'header', label: 'Header (API key / token)' },
                { value: 'oauth', label: 'OAuth' },
                { value: 'oauth_passthrough', label: "OAuth pass-through (the caller's token)" },
              ]}
              error={errors.authKind}
            />
          </div>
          {authKind === 'header' && (
            <div className="grid gap-4 sm:grid-cols-2">
              <TextField
                label="Header name"
                name="headerName"
                spellCheck={false}
                maxLength={100}
                value={headerName}
                onChange={(e) => {
                  setHeaderName(e.target.value);
                  clear('headerName');
                }}
                error={errors.headerName}
              />
              <TextField
                label="Value prefix"
                name="valuePrefix"
                spellCheck={false}
                maxLength={100}
                value={valuePrefix}
                onChange={(e) => {
                  setValuePrefix(e.target.value);
                  clear('valuePrefix');
                }}
                error={errors.valuePrefix}
                hint="Optional, e.g. “Bearer ”."
              />
            </div>
          )}
          {authKind === 'oauth' && (
            <div className="grid gap-4 sm:grid-cols-2">
              <TextField
                label="Authorization server"
                name="authorizationServer"
                type="url"
                spellCheck={false}
                placeholder="https://auth.example.com"
                maxLength={URL_MAX}
                value={authorizationServer}
                onChange={(e) => {
                  setAuthorizationServer(e.target.value);
                  clear('authorizationServer');
                }}
                error={errors.authorizationServer}
                hint="Optional; found from the server's metadata otherwise."
              />
              <TextField
                label="Scopes"
                name="scopes"
                spellCheck={false}
                placeholder="read write"
                maxLength={2000}
                value={scopes}
                onChange={(e) => {
                  setScopes(e.target.value);
                  clear('scopes');
                }}
                error={errors.scopes}
                hint="Optional, separated by spaces."
              />
            </div>
          )}
          {authKind === 'oauth_passthrough' && (
            <p className="text-sm text-slate-600">
              The gateway forwards the caller&apos;s own OAuth token to this server; nothing is stored.
            </p>
          )}
        </>
      )}

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
          !local && authKind === 'header'
            ? 'The token for the header above is asked for automatically (a secret field “token”).'
            : undefined
        }
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
            value={description}
            onChange={(e) => {
              setDescription(e.target.value);
              clear('description');
            }}
            error={errors.description}
          />
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

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

function ProbeSummary({ result, error }: { result?: ProbeResult; error?: string }) {
  if (error)
    return (
      <span role="alert" className="text-red-700">
        {error}
      </span>
    );
  if (!result) return <span className="text-slate-500">Checks the URL and fills in what it finds.</span>;
  if (!result.reachable)
    return (
      <span role="alert" data-testid="probe-failed" className="text-red-700">
        Not reachable: {result.detail}
      </span>
    );
  if (!result.speaksMcp)
    return (
      <span role="alert" data-testid="probe-failed" className="text-red-700">
        Not an MCP server: {result.detail}
      </span>
    );
  const transport = result.transport === 'sse' ? 'SSE (legacy)' : 'Streamable HTTP';
  const auth = !result.requiresAuth
    ? 'no sign-in needed'
    : result.suggestedAuthKind === 'oauth'
      ? `OAuth via ${result.authorizationServers.join(', ')}`
      : 'needs a token';
  return (
    <span data-testid="probe-found" className="text-emerald-700">
      Found: {transport}, {auth}
      {result.detail ? ` — ${result.detail}` : ''}
    </span>
  );
}
