import { z } from 'zod';

/**
 * Validates an environment against a zod schema. On failure it names every bad variable and
 * why, so the process can print it and exit non-zero before doing anything else.
 */
export class EnvError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid environment:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
): z.output<S> {
  // Empty strings mean "unset" so `FOO= toolgate start` behaves like FOO being absent.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const value = cleaned[name];
      const shown = value === undefined ? 'missing' : `got ${JSON.stringify(redactEnvValue(name, value))}`;
      return `${name}: ${issue.message} (${shown})`;
    }),
  );
}

/** Loads env or exits the process with a message naming the variables. */
export function loadEnvOrExit<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
  app: string,
): z.output<S> {
  try {
    return parseEnv(schema, source);
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`[${app}] ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** Variables whose values never appear in messages (OTLP header lists carry vendor API keys). */
const SECRETISH = /(KEY|SECRET|TOKEN|PASSWORD|HEADERS)/i;
function redactEnvValue(name: string, value: string): string {
  return SECRETISH.test(name) ? '<redacted>' : value;
}

/** Reusable field schemas shared by the apps' env.ts files. */
export const zPort = z.coerce.number().int().min(0).max(65535);
export const zBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const zPostgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');
export const zRedisUrl = z
  .string()
  .url()
  .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL');
export const zLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
/** 32-byte keys as base64, optionally several: "kid1:base64,kid2:base64" (first one encrypts). */
export const zKeyRing = z
  .string()
  .regex(/^([A-Za-z0-9_-]+:[A-Za-z0-9+/=]{43,44})(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=]{43,44})*$/, {
    message: 'must be "keyId:base64(32 bytes)" entries separated by commas',
  });
/** Bearer token scrapers must send to `/metrics` (unset: the endpoint is open). */
/** `{tenant}.{MCP_BASE_HOST}/mcp/{gateway}` routing: a host name, optionally with a port. */
export const zMcpBaseHost = z
  .string()
  .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as mcp.example.com');
export const zMetricsToken = z.string().min(16, 'must be at least 16 characters');
