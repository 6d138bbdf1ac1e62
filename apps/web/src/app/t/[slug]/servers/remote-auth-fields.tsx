'use client';

import { sentence } from '@toolgate/api/schemas/field-errors';
import {
  HEADER_AUTH_FIELDS,
  type InstallFieldInput,
  type RegistryEntry,
} from '@toolgate/api/schemas/registry';
import { useState } from 'react';
import { SelectField, TextField } from '~/components/ui/field';
import type { PathErrors } from './install-fields-editor';
import { AuthHint } from './auth-hint';
import { AUTH_LABELS } from './labels';
import { URL_MAX, type RegistryEntryForm } from './registry-entry-form';

/**
 * How a remote server is reached and signed in to, as adding a server and editing one both show
 * it: transport, authentication and the chosen authentication's settings (`authConfig`).
 */

type RemoteTransport = 'streamable_http' | 'sse';
export type AuthKind = RegistryEntry['authKind'];

/** The settings as the form holds them (strings; scopes separated by spaces). */
interface SettingsValues {
  transport: RemoteTransport;
  authKind: AuthKind;
  headerName: string;
  valuePrefix: string;
  authorizationServer: string;
  scopes: string;
  tokenEndpoint: string;
  audience: string;
}

function initialSettings(entry?: RegistryEntry): SettingsValues {
  const config = entry?.authConfig ?? {};
  return {
    transport: entry?.transport === 'sse' ? 'sse' : 'streamable_http',
    authKind: entry?.authKind ?? 'none',
    headerName: config.headerName ?? 'Authorization',
    valuePrefix: entry?.authKind === 'header' ? (config.valuePrefix ?? '') : 'Bearer ',
    authorizationServer: config.authorizationServer ?? '',
    scopes: (config.scopes ?? []).join(' '),
    tokenEndpoint: config.tokenEndpoint ?? '',
    audience: config.audience ?? '',
  };
}

/** Empty for a new server, the entry's own when one is edited. */
export function useRemoteSettings(entry?: RegistryEntry) {
  const [initial] = useState(() => initialSettings(entry));
  const [transport, setTransport] = useState(initial.transport);
  const [authKind, setAuthKind] = useState(initial.authKind);
  const [headerName, setHeaderName] = useState(initial.headerName);
  const [valuePrefix, setValuePrefix] = useState(initial.valuePrefix);
  const [authorizationServer, setAuthorizationServer] = useState(initial.authorizationServer);
  const [scopes, setScopes] = useState(initial.scopes);
  const [tokenEndpoint, setTokenEndpoint] = useState(initial.tokenEndpoint);
  const [audience, setAudience] = useState(initial.audience);
  return {
    /** What the form started from, to tell what an edit changed. */
    initial,
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
    tokenEndpoint,
    setTokenEndpoint,
    audience,
    setAudience,
  };
}

export type RemoteSettings = ReturnType<typeof useRemoteSettings>;

const present = <K extends string>(key: K, value: string) =>
  (value.trim() ? { [key]: value.trim() } : {}) as Partial<Record<K, string>>;

/**
 * The request's `authKind` and `authConfig` (only the chosen kind's settings; empty ones left
 * out, so a missing required one gets the schema's own sentence).
 */
export function remoteAuth(remote: SettingsValues) {
  const { authKind } = remote;
  const scopes = remote.scopes.split(/[\s,]+/).filter(Boolean);
  const withScopes = scopes.length > 0 ? { scopes } : {};
  const authConfig =
    authKind === 'header'
      ? {
          headerName: remote.headerName.trim(),
          ...(remote.valuePrefix ? { valuePrefix: remote.valuePrefix } : {}),
        }
      : authKind === 'oauth' || authKind === 'oauth_passthrough'
        ? { ...present('authorizationServer', remote.authorizationServer), ...withScopes }
        : authKind === 'token_exchange'
          ? {
              ...present('tokenEndpoint', remote.tokenEndpoint),
              ...present('audience', remote.audience),
              ...withScopes,
            }
          : authKind === 'id_jag'
            ? {
                ...present('tokenEndpoint', remote.tokenEndpoint),
                ...present('authorizationServer', remote.authorizationServer),
                ...withScopes,
              }
            : {};
  return { authKind, authConfig };
}

/**
 * The install fields an authentication reads its credentials from (the proxy reads these keys):
 * the gateway's client at the identity provider, and for ID-JAG also at the server's
 * authorization server.
 */
const EXCHANGE_CLIENT: InstallFieldInput[] = [
  { key: 'clientId', label: 'Client ID at the identity provider', required: true, secret: false },
  { key: 'clientSecret', label: 'Client secret at the identity provider', required: true, secret: true },
];
const AUTH_INSTALL_FIELDS: Partial<Record<AuthKind, InstallFieldInput[]>> = {
  header: [{ key: 'token', label: 'Token', required: true, secret: true }],
  token_exchange: EXCHANGE_CLIENT,
  id_jag: [
    ...EXCHANGE_CLIENT,
    {
      key: 'upstreamClientId',
      label: "Client ID at the server's authorization server",
      required: true,
      secret: false,
    },
    {
      key: 'upstreamClientSecret',
      label: "Client secret at the server's authorization server",
      required: true,
      secret: true,
    },
  ],
};

/** `fields` with the ones `authKind` reads added where missing (header: unless token or apiKey is there). */
export function withAuthFields(authKind: AuthKind, fields: InstallFieldInput[]): InstallFieldInput[] {
  const has = (key: string) =>
    fields.some((f) =>
      authKind === 'header' ? (HEADER_AUTH_FIELDS as readonly string[]).includes(f.key) : f.key === key,
    );
  return [...fields, ...(AUTH_INSTALL_FIELDS[authKind] ?? []).filter((f) => !has(f.key))];
}

/** Said above the install fields when `withAuthFields` adds some. */
export function authFieldsNote(authKind: AuthKind): string | undefined {
  if (authKind === 'header')
    return 'The token for the header above is asked for automatically (a secret field “token”).';
  if (authKind === 'token_exchange')
    return 'The gateway’s client at the identity provider is asked for automatically (fields “clientId” and, secret, “clientSecret”).';
  if (authKind === 'id_jag')
    return 'The gateway’s clients are asked for automatically: “clientId” and, secret, “clientSecret” at the identity provider; “upstreamClientId” and, secret, “upstreamClientSecret” at the server’s authorization server.';
  return undefined;
}

/**
 * Messages for the auth settings keyed by the request's path ("authConfig.tokenEndpoint"), as the
 * inputs below read them. A list's message goes to the list ("authConfig.scopes.0" → scopes). The
 * server's field messages name only the top-level field ("authConfig"); its message names the
 * paths ("authConfig.tokenEndpoint: …; …", as the API writes issues), so those are placed from it,
 * and what cannot be placed stays under Authentication.
 */
export function authConfigErrors(found: PathErrors, serverMessage?: string): PathErrors {
  if (found.authConfig && serverMessage) {
    for (const part of serverMessage.split('; ')) {
      const match = /^(authConfig\.[A-Za-z]+)(?:\.\d+)?: (.+)$/.exec(part);
      if (match) found[match[1]!] ??= sentence(match[2]!);
    }
  }
  for (const [key, message] of Object.entries(found)) {
    const list = /^(authConfig\.[A-Za-z]+)\.\d+$/.exec(key);
    if (list && message) found[list[1]!] ??= message;
  }
  if (Object.keys(found).some((key) => key.startsWith('authConfig.') && found[key])) delete found.authConfig;
  return found;
}

const AUTH_OPTIONS: { value: AuthKind; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'header', label: 'Header (API key / token)' },
  { value: 'oauth', label: 'OAuth' },
  { value: 'jwt', label: AUTH_LABELS.jwt },
  { value: 'token_exchange', label: AUTH_LABELS.token_exchange },
  { value: 'id_jag', label: AUTH_LABELS.id_jag },
  { value: 'oauth_passthrough', label: AUTH_LABELS.oauth_passthrough },
];

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
  // An entry keeps a kind the form does not offer until it is changed.
  const options = AUTH_OPTIONS.some((o) => o.value === remote.initial.authKind)
    ? AUTH_OPTIONS
    : [...AUTH_OPTIONS, { value: remote.initial.authKind, label: AUTH_LABELS[remote.initial.authKind] }];
  const field = (path: string) => ({
    error: errors[path],
    onEdited: () => clear(path),
  });
  const tokenEndpoint = field('authConfig.tokenEndpoint');
  const authorizationServer = field('authConfig.authorizationServer');
  const scopes = field('authConfig.scopes');
  const audience = field('authConfig.audience');
  const headerName = field('authConfig.headerName');
  const valuePrefix = field('authConfig.valuePrefix');
  const kind = remote.authKind;
  const scopesField = (
    <TextField
      label="Scopes"
      name="scopes"
      spellCheck={false}
      placeholder="read write"
      maxLength={2000}
      value={remote.scopes}
      onChange={(e) => {
        remote.setScopes(e.target.value);
        scopes.onEdited();
      }}
      error={scopes.error}
      hint="Optional, separated by spaces."
    />
  );
  const authorizationServerField = (hint: string, placeholder: string) => (
    <TextField
      label="Authorization server"
      name="authorizationServer"
      type="url"
      spellCheck={false}
      placeholder={placeholder}
      maxLength={URL_MAX}
      value={remote.authorizationServer}
      onChange={(e) => {
        remote.setAuthorizationServer(e.target.value);
        authorizationServer.onEdited();
      }}
      error={authorizationServer.error}
      hint={hint}
    />
  );
  const tokenEndpointField = (
    <TextField
      label="Token endpoint"
      name="tokenEndpoint"
      type="url"
      spellCheck={false}
      placeholder="https://idp.example.com/oauth2/token"
      maxLength={URL_MAX}
      value={remote.tokenEndpoint}
      onChange={(e) => {
        remote.setTokenEndpoint(e.target.value);
        tokenEndpoint.onEdited();
      }}
      error={tokenEndpoint.error}
      hint="Your identity provider's token endpoint."
    />
  );
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Transport"
          name="transport"
          value={remote.transport}
          onChange={(e) => {
            remote.setTransport(e.target.value as RemoteTransport);
            clear('transport');
          }}
          options={[
            { value: 'streamable_http', label: 'Streamable HTTP' },
            { value: 'sse', label: 'SSE (legacy)' },
          ]}
          error={errors.transport}
        />
        <SelectField
          label="Authentication"
          name="authKind"
          value={kind}
          onChange={(e) => {
            remote.setAuthKind(e.target.value as AuthKind);
            setErrors((err) =>
              Object.fromEntries(
                Object.entries(err).filter(
                  ([k]) => !k.startsWith('authConfig') && k !== 'authKind' && k !== 'installFields',
                ),
              ),
            );
          }}
          options={options}
          error={errors.authKind ?? errors.authConfig}
        />
      </div>
      {kind === 'header' && (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Header name"
            name="headerName"
            spellCheck={false}
            maxLength={100}
            value={remote.headerName}
            onChange={(e) => {
              remote.setHeaderName(e.target.value);
              headerName.onEdited();
            }}
            error={headerName.error}
          />
          <TextField
            label="Value prefix"
            name="valuePrefix"
            spellCheck={false}
            maxLength={100}
            value={remote.valuePrefix}
            onChange={(e) => {
              remote.setValuePrefix(e.target.value);
              valuePrefix.onEdited();
            }}
            error={valuePrefix.error}
            hint="Optional, e.g. “Bearer ”."
          />
        </div>
      )}
      {kind === 'oauth' && (
        <div className="grid gap-4 sm:grid-cols-2">
          {authorizationServerField(
            "Optional; found from the server's metadata otherwise.",
            'https://auth.example.com',
          )}
          {scopesField}
        </div>
      )}
      {kind === 'oauth_passthrough' && (
        <div className="grid gap-4 sm:grid-cols-2">
          {authorizationServerField(
            'Its issuer: clients of the pass-through gateway get their tokens there.',
            'https://auth.example.com',
          )}
          {scopesField}
        </div>
      )}
      <AuthHint authKind={kind} jwksUrl={jwksUrl} />
      {kind === 'token_exchange' && (
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">{tokenEndpointField}</div>
          <TextField
            label="Audience"
            name="audience"
            spellCheck={false}
            placeholder="https://tools.example.com"
            maxLength={2048}
            value={remote.audience}
            onChange={(e) => {
              remote.setAudience(e.target.value);
              audience.onEdited();
            }}
            error={audience.error}
            hint="Optional; the token's intended audience, as your identity provider names it."
          />
          {scopesField}
        </div>
      )}
      {kind === 'id_jag' && (
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">{tokenEndpointField}</div>
          {authorizationServerField(
            "The issuer of the server's own authorization server.",
            'https://auth.tools.example.com',
          )}
          {scopesField}
        </div>
      )}
    </>
  );
}
