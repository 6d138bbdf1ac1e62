import {
  parseEnv,
  zBool,
  zKeyRing,
  zLogLevel,
  zMcpBaseHost,
  zPostgresUrl,
  zRedisUrl,
} from '@toolgate/core/env';
import { EMAIL_VERIFICATION_MODES } from '@toolgate/api/email-verification-policy';
import { SIGNUP_MODES } from '@toolgate/api/signup-policy';
import { loadPlansConfig, PlansConfigError, type PlansConfig } from '@toolgate/core/plans';
import {
  billingConfigFromEnv,
  refineBillingEnv,
  ZBillingEnvFields,
  type BillingConfig,
} from '@toolgate/core/plans-env';
import { z } from 'zod';

/** Variables that only make sense together: all set, or none. */
const PROVIDER_GROUPS = [
  ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'],
  ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'],
  ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'],
] as const;

/**
 * How many reverse proxies in front of web append to X-Forwarded-For: `false`/`0` none (the header
 * is the client's to forge), `true` one, or a number.
 */
const zTrustProxy = z
  .union([zBool, z.coerce.number().int().min(0).max(10)], {
    error: 'must be true, false or the number of proxies in front of web',
  })
  .transform((v) => (v === true ? 1 : v === false ? 0 : v));

export const ZWebEnv = z
  .object({
    DATABASE_URL: zPostgresUrl,
    /** Bound on each Postgres query, client side: it fails even when the server never answers. 0: unbounded. */
    DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
    /** Postgres `statement_timeout` (server side), below the query timeout. 0: not sent (PgBouncer). */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(12_000),
    REDIS_URL: zRedisUrl.optional(),
    LOG_LEVEL: zLogLevel.default('info'),
    PUBLIC_WEB_URL: z.string().url().default('http://localhost:3000'),
    PUBLIC_MCP_URL: z.string().url().default('http://localhost:4000'),
    /** Gateways are also served at `{tenant}.{MCP_BASE_HOST}/mcp/{gateway}` (as the proxy's setting). */
    MCP_BASE_HOST: zMcpBaseHost.optional(),
    /** Signs and encrypts session cookies. Unset: derived from TOOLGATE_SECRET_KEYS (see auth/secret.ts). */
    NEXTAUTH_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters (openssl rand -base64 32)')
      .optional(),
    /** Set by `toolgate start`/`web` (generated into the data directory when not given). */
    TOOLGATE_SECRET_KEYS: zKeyRing.optional(),
    /** Discovery may reach loopback and private addresses (self-hosted installs, tests). */
    TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: zBool.default(false),
    /**
     * Local (stdio) servers run a command on this host. Refused unless set; `toolgate start` with
     * the embedded database (one machine, no DATABASE_URL) sets it to true unless told otherwise.
     */
    TOOLGATE_ALLOW_STDIO: zBool.default(false),
    /**
     * Self-hosted (stdio) servers run on runners (`toolgate runner`, sandboxed): tenants may add and
     * install them, and discovery reaches them on their runner. Needs TOOLGATE_SECRET_KEYS.
     */
    TOOLGATE_RUNNERS: zBool.default(false),
    /**
     * The npm registry packaged servers' versions are listed from ("upgrade to …", canaries): the one
     * runners install from (their RUNNER_NPM_REGISTRY). Default registry.npmjs.org.
     */
    TOOLGATE_NPM_REGISTRY: z.string().url().optional(),
    /**
     * Who may create accounts and workspaces from the web: `open` (anyone), `invite` (accounts only
     * through an invitation, no new workspaces), `closed` (only `toolgate bootstrap`).
     */
    TOOLGATE_SIGNUP: z.enum(SIGNUP_MODES).default('open'),
    /**
     * Whether people who sign up prove their address before creating tokens, installing or inviting:
     * `auto` (required when SMTP_URL is set, off otherwise), `required` (links are logged without
     * SMTP), `off` (accounts are verified as they are created).
     */
    TOOLGATE_EMAIL_VERIFICATION: z.enum(EMAIL_VERIFICATION_MODES).default('auto'),
    /** Proxies whose X-Forwarded-For entries are believed (client addresses for OAuth rate limits). */
    TRUST_PROXY: zTrustProxy.default(0),
    /** Dynamic Client Registration attempts per client address per hour. */
    OAUTH_REGISTER_PER_HOUR: z.coerce.number().int().min(1).default(30),
    /** Token requests failing with invalid_client/invalid_grant per client_id per 10 minutes. */
    OAUTH_TOKEN_FAILURES_PER_10_MIN: z.coerce.number().int().min(1).default(60),
    GITHUB_CLIENT_ID: z.string().optional(),
    GITHUB_CLIENT_SECRET: z.string().optional(),
    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
    /** Any OpenID Connect provider (Okta, Entra ID, Keycloak, …), discovered from the issuer. */
    OIDC_ISSUER: z.string().url().optional(),
    OIDC_CLIENT_ID: z.string().optional(),
    OIDC_CLIENT_SECRET: z.string().optional(),
    OIDC_NAME: z.string().min(1).default('Single sign-on'),
    /** Outgoing mail (password reset and invitation links). Unset: the links are logged instead. */
    SMTP_URL: z
      .string()
      .url()
      .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL')
      .optional(),
    /** The From address of that mail, e.g. "Toolgate <no-reply@example.com>". */
    MAIL_FROM: z.string().includes('@', { message: 'must contain an email address' }).optional(),
    /** Without SMTP, also write each message as a JSON file here (browser tests read links from it). */
    TOOLGATE_MAIL_OUTBOX_DIR: z.string().optional(),
    /** Plans and their limits (docs/billing.md): a JSON file, or the JSON itself (which wins). */
    TOOLGATE_PLANS_FILE: z.string().min(1).optional(),
    TOOLGATE_PLANS: z.string().min(1).optional(),
    /** The plan of tenants with none set; default: the file's `defaultPlan`, else `unlimited`. */
    TOOLGATE_DEFAULT_PLAN: z.string().min(1).optional(),
    /** Stripe billing (docs/billing.md): on with both the secret key and the webhook secret. */
    ...ZBillingEnvFields,
  })
  .superRefine((env, ctx) => {
    refineBillingEnv(env, ctx);
    // The server's own timeout fires first, so a live server answers with its clearer error.
    if (
      env.DATABASE_QUERY_TIMEOUT_MS > 0 &&
      env.DATABASE_STATEMENT_TIMEOUT_MS >= env.DATABASE_QUERY_TIMEOUT_MS
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_STATEMENT_TIMEOUT_MS'],
        message: `must be below DATABASE_QUERY_TIMEOUT_MS (${env.DATABASE_QUERY_TIMEOUT_MS}), or 0`,
      });
    }
    for (const group of PROVIDER_GROUPS) {
      const set = group.filter((name) => env[name] !== undefined);
      if (set.length === 0 || set.length === group.length) continue;
      for (const name of group.filter((n) => env[n] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `required when ${set.join(', ')} is set` });
      }
    }
    if (env.SMTP_URL && !env.MAIL_FROM) {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'required when SMTP_URL is set' });
    }
    try {
      loadPlansConfig(plansSettings(env));
    } catch (err) {
      if (!(err instanceof PlansConfigError)) throw err;
      const variable = env.TOOLGATE_PLANS
        ? 'TOOLGATE_PLANS'
        : env.TOOLGATE_PLANS_FILE
          ? 'TOOLGATE_PLANS_FILE'
          : 'TOOLGATE_DEFAULT_PLAN';
      // The message starts with the variable's name, which the issue's path already says.
      const message = err.message.startsWith(variable)
        ? err.message
            .slice(variable.length)
            .replace(/^(: | \((.*?)\): )/, (_, _m, file?: string) => (file ? `${file}: ` : ''))
        : err.message;
      ctx.addIssue({ code: 'custom', path: [variable], message });
    }
    if (!env.NEXTAUTH_SECRET && !env.TOOLGATE_SECRET_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['NEXTAUTH_SECRET'],
        message: 'set NEXTAUTH_SECRET, or TOOLGATE_SECRET_KEYS to derive it from',
      });
    }
  });
export type WebEnv = z.infer<typeof ZWebEnv>;

function plansSettings(env: {
  TOOLGATE_PLANS_FILE?: string;
  TOOLGATE_PLANS?: string;
  TOOLGATE_DEFAULT_PLAN?: string;
}) {
  return { file: env.TOOLGATE_PLANS_FILE, json: env.TOOLGATE_PLANS, defaultPlan: env.TOOLGATE_DEFAULT_PLAN };
}

let plans: PlansConfig | undefined;

/** The deployment's plans (validated with the rest of the environment). */
export function webPlans(): PlansConfig {
  plans ??= loadPlansConfig(plansSettings(webEnv()));
  return plans;
}

/** Stripe billing, or undefined when it is off (validated with the rest of the environment). */
export function webBilling(): BillingConfig | undefined {
  billing ??= { config: billingConfigFromEnv(webEnv()) };
  return billing.config;
}
let billing: { config: BillingConfig | undefined } | undefined;

let cached: WebEnv | undefined;

/**
 * Parsed lazily: `next build` imports route modules without a runtime environment. The process
 * that serves (the `toolgate web`/`start` command) validates the same schema before listening.
 */
export function webEnv(): WebEnv {
  if (!cached) {
    cached = parseEnv(ZWebEnv, process.env);
    // next-auth v4 reads its public base URL from this variable only; PUBLIC_WEB_URL is the one
    // setting operators configure.
    process.env.NEXTAUTH_URL = cached.PUBLIC_WEB_URL;
  }
  return cached;
}
