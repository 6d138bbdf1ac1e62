'use client';

import type { CreateRegistryEntryRequest } from '@toolgate/api/schemas/registry';
import type { AppRouter } from '@toolgate/api/trpc/root';
import type { inferRouterOutputs } from '@trpc/server';
import { useId, useState } from 'react';
import { SelectField, TextField } from '~/components/ui/field';
import type { PathErrors } from './install-fields-editor';
import { STDIO_UNAVAILABLE } from './labels';
import { URL_MAX, type RegistryEntryForm } from './registry-entry-form';

/** The parts of the form only adding a server has: where it runs, a remote one's transport and auth, Detect's findings. */

export type Kind = 'remote' | 'local';
type RemoteTransport = 'streamable_http' | 'sse';
type AuthKind = CreateRegistryEntryRequest['authKind'] & string;
type ProbeResult = inferRouterOutputs<AppRouter>['registry']['probe'];

/** How a remote server is reached and signed in to. */
export function useRemoteSettings() {
  const [transport, setTransport] = useState<RemoteTransport>('streamable_http');
  const [authKind, setAuthKind] = useState<AuthKind>('none');
  const [headerName, setHeaderName] = useState('Authorization');
  const [valuePrefix, setValuePrefix] = useState('Bearer ');
  const [authorizationServer, setAuthorizationServer] = useState('');
  const [scopes, setScopes] = useState('');
  return {
    transport,
    setTransport,
    authKind,
    setAuthKind,
    headerName,
    setHeaderName,
    valuePrefix,
    setValuePrefix,
    authorizationServer,
    setAuthorizationServer,
    scopes,
    setScopes,
  };
}

export type RemoteSettings = ReturnType<typeof useRemoteSettings>;

/** The request's auth settings for a remote server; `null` settings are left out. */
export function remoteAuth(remote: RemoteSettings) {
  const { authKind } = remote;
  const scopes = remote.scopes.split(/[\s,]+/).filter(Boolean);
  return {
    authKind,
    ...(authKind === 'header'
      ? {
          authConfig: {
            headerName: remote.headerName.trim(),
            ...(remote.valuePrefix ? { valuePrefix: remote.valuePrefix } : {}),
          },
        }
      : authKind === 'oauth'
        ? {
            authConfig: {
              ...(remote.authorizationServer.trim()
                ? { authorizationServer: remote.authorizationServer.trim() }
                : {}),
              ...(scopes.length > 0 ? { scopes } : {}),
            },
          }
        : {}),
  };
}

/** The form names the auth settings where it shows them, not by the request's path. */
export function authConfigErrors(found: PathErrors): PathErrors {
  found.headerName = found['authConfig.headerName'];
  found.valuePrefix = found['authConfig.valuePrefix'];
  found.authorizationServer = found['authConfig.authorizationServer'];
  found.scopes = found['authConfig.scopes'] ?? found['authConfig.scopes.0'];
  return found;
}

export function KindFieldset({
  kind,
  allowStdio,
  onChange,
}: {
  kind: Kind;
  allowStdio: boolean;
  onChange: (kind: Kind) => void;
}) {
  const kindName = useId();
  return (
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
                onChange={() => onChange(option.value)}
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
  );
}

/** Transport and authentication of a remote server, with the chosen auth's settings. */
export function RemoteSettingsFields({
  remote,
  draft,
  jwksUrl,
}: {
  remote: RemoteSettings;
  draft: RegistryEntryForm;
  jwksUrl: string;
}) {
  const { errors, clear, setErrors } = draft;
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Transport"
          name="transport"
          value={remote.transport}
          onChange={(e) => remote.setTransport(e.target.value as RemoteTransport)}
          options={[
            { value: 'streamable_http', label: 'Streamable HTTP' },
            { value: 'sse', label: 'SSE (legacy)' },
          ]}
          error={errors.transport}
        />
        <SelectField
          label="Authentication"
          name="authKind"
          value={remote.authKind}
          onChange={(e) => {
            remote.setAuthKind(e.target.value as AuthKind);
            setErrors((err) => ({ ...err, authKind: undefined, installFields: undefined }));
          }}
          options={[
            { value: 'none', label: 'None' },
            { value: 'header', label: 'Header (API key / token)' },
            { value: 'oauth', label: 'OAuth' },
            { value: 'jwt', label: 'Forwarded JWT' },
          ]}
          error={errors.authKind}
        />
      </div>
      {remote.authKind === 'header' && (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Header name"
            name="headerName"
            spellCheck={false}
            maxLength={100}
            value={remote.headerName}
            onChange={(e) => {
              remote.setHeaderName(e.target.value);
              clear('headerName');
            }}
            error={errors.headerName}
          />
          <TextField
            label="Value prefix"
            name="valuePrefix"
            spellCheck={false}
            maxLength={100}
            value={remote.valuePrefix}
            onChange={(e) => {
              remote.setValuePrefix(e.target.value);
              clear('valuePrefix');
            }}
            error={errors.valuePrefix}
            hint="Optional, e.g. “Bearer ”."
          />
        </div>
      )}
      {remote.authKind === 'oauth' && (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Authorization server"
            name="authorizationServer"
            type="url"
            spellCheck={false}
            placeholder="https://auth.example.com"
            maxLength={URL_MAX}
            value={remote.authorizationServer}
            onChange={(e) => {
              remote.setAuthorizationServer(e.target.value);
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
            value={remote.scopes}
            onChange={(e) => {
              remote.setScopes(e.target.value);
              clear('scopes');
            }}
            error={errors.scopes}
            hint="Optional, separated by spaces."
          />
        </div>
      )}
      {remote.authKind === 'jwt' && (
        <p className="text-sm text-slate-600" data-testid="jwt-auth-hint">
          Toolgate signs a short-lived token (5 min) naming the caller for each call; the server validates it
          with Toolgate&apos;s JWKS at <code className="break-all">{jwksUrl}</code>.
        </p>
      )}
    </>
  );
}

export function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

export function ProbeSummary({ result, error }: { result?: ProbeResult; error?: string }) {
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
