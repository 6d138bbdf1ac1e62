import type { UpstreamTarget } from './upstream/types.ts';

/** What a registry entry says about reaching its server (a snapshot upstream or a DB row). */
export interface UpstreamDefinition {
  slug: string;
  transport: UpstreamTarget['transport'];
  url: string | null;
  command: string | null;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  authKind: 'none' | 'header' | 'oauth' | 'oauth_passthrough' | 'jwt' | 'token_exchange' | 'id_jag';
  authConfig: { headerName?: string; valuePrefix?: string };
  installFields: readonly {
    key: string;
    target?: { kind: 'header' | 'env' | 'arg'; name: string; prefix?: string };
  }[];
}

/** Additional authenticated data of an installation's sealed credentials. */
export const credentialsAad = (installationId: string): string => `installation:${installationId}`;

/**
 * Where and how to reach an installation's server, credential included: install-time fields go
 * to their header, env var or argument; the entry's auth kind places the `token`/`apiKey` (or
 * OAuth `accessToken`) secret. The proxy and discovery both build targets here, so discovery
 * sees exactly what callers will.
 */
export function buildUpstreamTarget(
  key: string,
  entry: UpstreamDefinition,
  installation: { config: Readonly<Record<string, string>> },
  secrets: Readonly<Record<string, string>>,
): UpstreamTarget {
  const values: Record<string, string> = { ...installation.config, ...secrets };
  const headers: Record<string, string> = {};
  const env: Record<string, string> = { ...entry.env };
  const args = [...entry.args];
  for (const field of entry.installFields) {
    const value = values[field.key];
    if (value === undefined || !field.target) continue;
    const prefixed = `${field.target.prefix ?? ''}${value}`;
    if (field.target.kind === 'header') headers[field.target.name.toLowerCase()] = prefixed;
    else if (field.target.kind === 'env') env[field.target.name] = prefixed;
    else args.push(...(field.target.name ? [field.target.name, prefixed] : [prefixed]));
  }
  const authValue = entry.authKind === 'oauth' ? secrets.accessToken : (secrets.token ?? secrets.apiKey);
  if (authValue && (entry.authKind === 'header' || entry.authKind === 'oauth')) {
    const name = (entry.authConfig.headerName ?? 'authorization').toLowerCase();
    const prefix = entry.authConfig.valuePrefix ?? (name === 'authorization' ? 'Bearer ' : '');
    headers[name] = `${prefix}${authValue}`;
  }
  return {
    key,
    label: entry.slug,
    transport: entry.transport,
    ...(entry.url ? { url: entry.url } : {}),
    headers,
    ...(entry.command ? { command: entry.command, args, env } : {}),
  };
}
