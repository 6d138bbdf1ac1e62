import { AUTH_KINDS, ENTRY_TRANSPORTS, TRANSPORTS } from '@toolgate/db/schema';
import { ZSlug } from '@toolgate/core/slug';
import { z } from 'zod';
import { ZHttpUrl, ZId, ZTimestamp, ZName } from './common.ts';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** An npm package name (scoped or not), as the registry accepts new ones. */
const NPM_PACKAGE = /^(@[a-z0-9][a-z0-9-._~]*\/)?[a-z0-9][a-z0-9-._~]*$/;
/** An exact version: what a packaged server runs is never a range or a tag. */
export const EXACT_VERSION =
  /^\d+\.\d+\.\d+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const ZPackage = z
  .string()
  .trim()
  .max(214)
  .regex(NPM_PACKAGE, 'must be an npm package name, e.g. @scope/name');
const ZBin = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9@._-][A-Za-z0-9@._/-]*$/, "must be one of the package's bin names");
/** The secret field names the proxy reads for `authKind: header` (see apps/proxy upstream-target). */
export const HEADER_AUTH_FIELDS = ['token', 'apiKey'] as const;

export const ZInstallField = z.strictObject({
  key: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'use letters, digits and underscores, starting with a letter'),
  label: ZName,
  required: z.boolean().default(false),
  secret: z.boolean().default(false),
  description: z.string().max(500).optional(),
  /** Where the value goes: an HTTP header (remote servers), an env var or an argument (stdio). */
  target: z
    .strictObject({
      kind: z.enum(['header', 'env', 'arg']),
      /** Header or variable name; for `arg`, an option name such as "--root", or "" for a bare value. */
      name: z.string().max(200),
      prefix: z.string().max(100).optional(),
    })
    .optional(),
});
export type InstallFieldInput = z.input<typeof ZInstallField>;

export const ZAuthConfig = z.strictObject({
  headerName: z.string().regex(HEADER_NAME, 'must be an HTTP header name').optional(),
  valuePrefix: z.string().max(100).optional(),
  authorizationServer: ZHttpUrl.optional(),
  scopes: z.array(z.string().min(1).max(200)).max(50).optional(),
  tokenEndpoint: ZHttpUrl.optional(),
  audience: z.string().min(1).max(2048).optional(),
});

const ZRegistryEntryFields = z.strictObject({
  slug: ZSlug,
  name: ZName,
  description: z.string().max(2000).default(''),
  transport: z.enum(TRANSPORTS),
  /** streamable_http / sse: the server's MCP endpoint. */
  url: z.string().max(2048).optional(),
  /** stdio: the command that starts the server, e.g. "npx". */
  command: z.string().trim().min(1).max(500).optional(),
  args: z.array(z.string().max(1000)).max(100).default([]),
  env: z
    .record(z.string().regex(ENV_NAME, 'must be an environment variable name'), z.string().max(10_000))
    .default({}),
  authKind: z.enum(AUTH_KINDS).default('none'),
  authConfig: ZAuthConfig.default({}),
  installFields: z.array(ZInstallField).max(50).default([]),
  docsUrl: ZHttpUrl.optional(),
  iconUrl: ZHttpUrl.optional(),
  version: z.string().max(100).optional(),
  /** stdio: an npm package runners install (`npm install --ignore-scripts`) and run, at `version`. */
  package: ZPackage.optional(),
  /** Which bin of the package runs (default: its only one). */
  bin: ZBin.optional(),
  /** stdio: the sandbox's network, `none` (default) or `egress`. */
  network: z.enum(['none', 'egress']).default('none'),
});

/** A whole entry is checked as one: transport against url/command, fields against targets. */
export const ZCreateRegistryEntryRequest = ZRegistryEntryFields.superRefine((entry, ctx) => {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (entry.transport === 'stdio') {
    if (entry.package !== undefined) {
      if (entry.command !== undefined)
        issue(['command'], "a packaged server runs its package's bin; remove command (or package)");
      if (entry.version === undefined)
        issue(['version'], 'a packaged server needs the exact version to run, e.g. 2026.8.31');
      else if (!EXACT_VERSION.test(entry.version))
        issue(['version'], 'must be an exact version such as 1.4.2, not a range or a tag');
    } else {
      if (!entry.command)
        issue(['command'], 'a stdio server needs the command that starts it (or a package)');
      if (entry.bin !== undefined) issue(['bin'], 'bin names a bin of the package; set package too');
    }
    if (entry.url !== undefined) issue(['url'], 'a stdio server is started by command; remove url');
  } else {
    if (entry.package !== undefined) issue(['package'], 'only self-hosted (stdio) servers run a package');
    if (entry.bin !== undefined) issue(['bin'], 'only self-hosted (stdio) servers run a package');
    if (entry.network !== 'none')
      issue(['network'], 'network applies to self-hosted (stdio) servers; a remote server is reached by url');
    if (entry.url === undefined) issue(['url'], `a ${entry.transport} server needs its http(s) URL`);
    else if (!ZHttpUrl.safeParse(entry.url).success)
      issue(['url'], 'must be an http:// or https:// URL without credentials');
    if (entry.command !== undefined) issue(['command'], 'a remote server is reached by url; remove command');
  }
  const seen = new Set<string>();
  entry.installFields.forEach((field, i) => {
    if (seen.has(field.key)) issue(['installFields', i, 'key'], `"${field.key}" is listed twice`);
    seen.add(field.key);
    const target = field.target;
    if (!target) return;
    const at = ['installFields', i, 'target', 'name'];
    if (target.kind === 'header') {
      if (entry.transport === 'stdio') issue(at, 'a stdio server takes env or arg targets, not headers');
      else if (!HEADER_NAME.test(target.name)) issue(at, 'must be an HTTP header name');
    } else if (entry.transport !== 'stdio') {
      issue(at, `a remote server takes header targets, not ${target.kind}`);
    } else if (target.kind === 'env' && !ENV_NAME.test(target.name)) {
      issue(at, 'must be an environment variable name');
    }
  });
  // The token goes in the Authorization header, which a local (stdio) server does not have.
  const perCaller = ['jwt', 'token_exchange', 'id_jag'].includes(entry.authKind);
  if (perCaller && entry.transport === 'stdio')
    issue(
      ['authKind'],
      `authKind "${entry.authKind}" sends a bearer token over HTTP; a stdio server cannot receive it`,
    );
  if ((entry.authKind === 'token_exchange' || entry.authKind === 'id_jag') && !entry.authConfig.tokenEndpoint)
    issue(['authConfig', 'tokenEndpoint'], "token exchange needs the identity provider's token endpoint");
  if (entry.authKind === 'id_jag' && !entry.authConfig.authorizationServer)
    issue(
      ['authConfig', 'authorizationServer'],
      "ID-JAG needs the server's authorization server (its issuer)",
    );
  if (
    entry.authKind === 'header' &&
    !entry.installFields.some((f) => f.secret && (HEADER_AUTH_FIELDS as readonly string[]).includes(f.key))
  ) {
    issue(
      ['installFields'],
      'authKind "header" reads the credential from a secret field named "token" or "apiKey"',
    );
  }
});
export type CreateRegistryEntryRequest = z.input<typeof ZCreateRegistryEntryRequest>;

/**
 * PATCH: any of the fields; the entry they make together is checked like a new one. A new slug
 * renames the entry's exposed tools (`{slug}__{tool}`) on every gateway.
 */
export const ZUpdateRegistryEntryRequest = z
  .strictObject({
    slug: ZSlug.optional(),
    name: ZName.optional(),
    description: z.string().max(2000).optional(),
    transport: z.enum(TRANSPORTS).optional(),
    url: z.string().max(2048).optional(),
    command: z.string().trim().min(1).max(500).optional(),
    args: z.array(z.string().max(1000)).max(100).optional(),
    env: z
      .record(z.string().regex(ENV_NAME, 'must be an environment variable name'), z.string().max(10_000))
      .optional(),
    authKind: z.enum(AUTH_KINDS).optional(),
    authConfig: ZAuthConfig.optional(),
    installFields: z.array(ZInstallField).max(50).optional(),
    docsUrl: ZHttpUrl.optional(),
    iconUrl: ZHttpUrl.optional(),
    version: z.string().max(100).optional(),
    /** null: no longer packaged (give `command`). */
    package: ZPackage.nullable().optional(),
    bin: ZBin.nullable().optional(),
    network: z.enum(['none', 'egress']).optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    message: 'give at least one field to change',
  });
export type UpdateRegistryEntryRequest = z.input<typeof ZUpdateRegistryEntryRequest>;

export const ZRegistryEntry = z.object({
  id: ZId,
  /** True for the built-in catalog, shared by every tenant and read-only. */
  builtIn: z.boolean(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  /** `builtin`: served by Toolgate itself (catalog only). */
  transport: z.enum(ENTRY_TRANSPORTS),
  url: z.string().nullable(),
  command: z.string().nullable(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  authKind: z.enum(AUTH_KINDS),
  authConfig: z.object({
    headerName: z.string().optional(),
    valuePrefix: z.string().optional(),
    authorizationServer: z.string().optional(),
    scopes: z.array(z.string()).optional(),
    tokenEndpoint: z.string().optional(),
    audience: z.string().optional(),
  }),
  installFields: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      required: z.boolean(),
      secret: z.boolean(),
      description: z.string().optional(),
      target: z
        .object({ kind: z.enum(['header', 'env', 'arg']), name: z.string(), prefix: z.string().optional() })
        .optional(),
    }),
  ),
  /** Labels by tool name for that tool on every installation of this entry (tenant entries only). */
  toolLabels: z.record(z.string(), z.array(z.string())),
  docsUrl: z.string().nullable(),
  iconUrl: z.string().nullable(),
  /** For a packaged entry, the exact npm version installations run unless pinned otherwise. */
  version: z.string().nullable(),
  /** A packaged self-hosted server: the npm package runners install and run (null otherwise). */
  package: z.string().nullable(),
  /** Which of the package's bins runs (null: its only one). */
  bin: z.string().nullable(),
  /** The sandbox's network for self-hosted servers: `none` or `egress`. */
  network: z.enum(['none', 'egress']),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type RegistryEntry = z.infer<typeof ZRegistryEntry>;

export const ZRegistryEntryList = z.object({ entries: z.array(ZRegistryEntry) });
