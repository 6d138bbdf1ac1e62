'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ZCreateRegistryEntryRequest, type CreateRegistryEntryRequest } from '@toolgate/api/schemas/registry';
import { useRef, useState, type FormEvent } from 'react';
import { useNameAndSlug } from '~/components/use-name-and-slug';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog } from '~/components/ui/dialog';
import { SelectField, TextField } from '~/components/ui/field';
import { fieldErrors, type FieldErrors } from '~/schemas/field-errors';
import { errorFields, useTRPC } from '~/trpc/react';

type Field = 'name' | 'slug' | 'url' | 'transport' | 'authKind' | 'headerName' | 'valuePrefix';

export function AddServerDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Add a server"
      description="Register a remote MCP server by its URL. Credentials are entered when you install it."
    >
      <AddServerForm onDone={onClose} />
    </Dialog>
  );
}

function AddServerForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const { name, slug, setName, editSlug } = useNameAndSlug();
  const [url, setUrl] = useState('');
  const [transport, setTransport] = useState<'streamable_http' | 'sse'>('streamable_http');
  const [authKind, setAuthKind] = useState<'none' | 'header'>('none');
  const [headerName, setHeaderName] = useState('Authorization');
  const [valuePrefix, setValuePrefix] = useState('Bearer ');
  const [errors, setErrors] = useState<FieldErrors<Field>>({});

  const create = useMutation(
    trpc.registry.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.registry.list.queryFilter());
        onDone();
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );
  const probe = useMutation(
    trpc.registry.probe.mutationOptions({
      onSuccess: (found) => {
        if (found.transport) setTransport(found.transport);
        if (found.suggestedAuthKind === 'header') setAuthKind('header');
        if (!name) setName(found.serverInfo?.name || found.suggestedName);
      },
    }),
  );
  const serverFieldError = Object.values(errors).some(Boolean);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input: CreateRegistryEntryRequest = {
      name,
      slug,
      url: url.trim(),
      transport,
      authKind,
      ...(authKind === 'header'
        ? {
            authConfig: { headerName, ...(valuePrefix ? { valuePrefix } : {}) },
            installFields: [
              {
                key: 'token',
                label: 'Token',
                required: true,
                secret: true,
                target: { kind: 'header', name: headerName, ...(valuePrefix ? { prefix: valuePrefix } : {}) },
              },
            ],
          }
        : {}),
    };
    const parsed = ZCreateRegistryEntryRequest.safeParse(input);
    if (!parsed.success) {
      const fields = fieldErrors<string>(parsed.error);
      setErrors({ ...fields, headerName: fields.authConfig ?? fields.installFields });
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setErrors({});
    create.mutate(input);
  }

  const clear = (field: Field) => errors[field] && setErrors((err) => ({ ...err, [field]: undefined }));

  return (
    <form ref={form} noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
      {create.error && !serverFieldError && <Alert>{create.error.message}</Alert>}
      <TextField
        label="Name"
        name="name"
        autoFocus
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
        value={slug}
        onChange={(e) => {
          editSlug(e.target.value);
          clear('slug');
        }}
        error={errors.slug}
        hint="Prefixes the server's tools in gateways: acme-docs__search."
      />
      <TextField
        label="Server URL"
        name="url"
        type="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://mcp.example.com/mcp"
        value={url}
        onChange={(e) => {
          setUrl(e.target.value);
          clear('url');
        }}
        error={errors.url}
      />
      <div className="-mt-2 flex items-center gap-3 text-sm">
        <Button
          variant="secondary"
          disabled={!url.trim() || probe.isPending}
          onClick={() => probe.mutate({ url: url.trim() })}
        >
          {probe.isPending ? 'Detecting…' : 'Detect'}
        </Button>
        <ProbeSummary result={probe.data} error={probe.error?.message} />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Transport"
          name="transport"
          value={transport}
          onChange={(e) => setTransport(e.target.value as 'streamable_http' | 'sse')}
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
          onChange={(e) => setAuthKind(e.target.value as 'none' | 'header')}
          options={[
            { value: 'none', label: 'None' },
            { value: 'header', label: 'Header (API key / token)' },
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
            value={valuePrefix}
            onChange={(e) => setValuePrefix(e.target.value)}
            hint="Optional, e.g. “Bearer ”."
          />
        </div>
      )}
      <div className="mt-2 flex justify-end gap-3">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" pending={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add server'}
        </Button>
      </div>
    </form>
  );
}

function ProbeSummary({
  result,
  error,
}: {
  result?: {
    reachable: boolean;
    transport: 'streamable_http' | 'sse' | null;
    requiresAuth: boolean;
    suggestedAuthKind: string;
    authorizationServers: string[];
    detail: string | null;
  };
  error?: string;
}) {
  if (error) return <span className="text-red-700">{error}</span>;
  if (!result) return <span className="text-slate-500">Checks the URL and fills in what it finds.</span>;
  if (!result.reachable) return <span className="text-amber-700">Not reachable: {result.detail}</span>;
  const transport =
    result.transport === 'sse' ? 'SSE (legacy)' : result.transport ? 'Streamable HTTP' : 'unknown transport';
  const auth = !result.requiresAuth
    ? 'no sign-in needed'
    : result.suggestedAuthKind === 'oauth'
      ? `OAuth via ${result.authorizationServers.join(', ')}`
      : 'needs a token';
  return (
    <span className="text-emerald-700">
      Found: {transport}, {auth}
      {result.detail ? ` — ${result.detail}` : ''}
    </span>
  );
}
