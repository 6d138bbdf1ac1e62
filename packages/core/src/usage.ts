import { z } from 'zod';
import { DLP_OUTCOMES, type DlpOutcome } from './dlp/guardrail.ts';

/**
 * The usage/audit event: one per client JSON-RPC message through a gateway. Proxies record it,
 * batches of them travel the usage queue, and the worker writes the audit log and the per-minute
 * rollups from them.
 */

/**
 * - `ok`: answered with a result (notifications and client responses are `ok` once accepted)
 * - `tool_error`: a tools/call result with `isError: true` (the tool ran and reported a failure)
 * - `error`: a JSON-RPC error, an upstream failure, or a malformed message
 * - `denied`: refused by authentication or authorization (401/403)
 */
export const USAGE_STATUSES = ['ok', 'tool_error', 'error', 'denied'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

/**
 * Longest agent recorded: a declared client name is the client's choice. The proxy caps the
 * name policies see (`caller.client`) at the same length, so both name the agent alike.
 */
export const MAX_AGENT_CHARS = 256;

/** `method` of a message refused before its body was read (authentication failed). */
export const METHOD_UNREAD = '';
/** `method` of a client's JSON-RPC response (to a sampling or elicitation request). */
export const METHOD_CLIENT_RESPONSE = '(response)';

/** Which variant of an installation running a canary served a call. */
export const USAGE_VARIANTS = ['stable', 'canary'] as const;
export type UsageVariant = (typeof USAGE_VARIANTS)[number];
/** Versions are npm semver strings; anything longer is not one. */
export const MAX_SERVER_VERSION_CHARS = 256;

export interface UsageEvent {
  /** When the message arrived, epoch milliseconds. */
  at: number;
  tenantId: string;
  /** Null when the gateway does not exist (a denied call to an unknown gateway of the tenant). */
  gatewayId: string | null;
  /** The proxy's x-request-id. */
  requestId: string;
  /** W3C trace id (32 hex): from `traceparent` when the client sent one, else generated. */
  traceId: string;
  /** `token`, `user`, … (the prefix of `principalId`); null when authentication failed. */
  principalType: string | null;
  principalId: string | null;
  /** `api_token` | `oauth` | `idp_jwt`: how the caller authenticated, or tried to. */
  authMethod: string | null;
  /** The MCP session's `sid` (not the sealed session id); null for stateless requests. */
  sessionId: string | null;
  /**
   * The agent (MCP client application) making the call: the OAuth client id the caller's token
   * was issued to, else the name the client declared (`clientInfo.name` of initialize, or of a
   * 2026-07-28 request's `_meta`), capped at MAX_AGENT_CHARS; null when neither is known. The
   * same value policies read as `caller.client`. Absent from proxies that predate it.
   */
  agent?: string | null;
  method: string;
  /** tools/call of a tool the gateway exposes: its name as the gateway lists it. */
  toolName: string | null;
  /**
   * tools/call of a name the gateway does not expose: the name asked for, capped. Audit only
   * (rollups count exposed tools); absent from proxies that predate it.
   */
  requestedName?: string | null;
  /** tools/call: the installation (upstream server connection) that served the call. */
  installationId: string | null;
  /**
   * tools/call of an installation running a canary: which variant served the caller (`stable` or
   * `canary`); absent or null otherwise (and from proxies that predate canaries).
   */
  variant?: UsageVariant | null;
  /** tools/call: the server version the call went to, where known (packaged servers); absent or null otherwise. */
  serverVersion?: string | null;
  status: UsageStatus;
  /** JSON-RPC error code of an `error` or `denied` outcome. */
  errorCode: number | null;
  latencyMs: number;
  requestBytes: number;
  responseBytes: number;
  /** `allow`, or `deny:<reason>` (e.g. `deny:invalid_token`, `deny:not_visible`). */
  policyOutcome: string | null;
  /**
   * What guardrails did to a tools/call (`none | logged | redacted | blocked`) and their findings
   * counted by detector, never the matched values; absent or null where no guardrail applied.
   */
  dlpOutcome?: DlpOutcome | null;
  dlpFindings?: Record<string, number> | null;
  /** Redacted and size-capped copies (see redact.ts); null when not captured. */
  request: unknown;
  response: unknown;
}

const zNullableString = z.string().nullable();

export const ZUsageEvent = z.object({
  at: z.number().finite(),
  tenantId: z.string().min(1),
  gatewayId: zNullableString,
  requestId: z.string(),
  traceId: z.string(),
  principalType: zNullableString,
  principalId: zNullableString,
  authMethod: zNullableString,
  sessionId: zNullableString,
  agent: zNullableString.optional(),
  method: z.string(),
  toolName: zNullableString,
  requestedName: zNullableString.optional(),
  installationId: zNullableString,
  variant: z.enum(USAGE_VARIANTS).nullable().optional(),
  serverVersion: z.string().max(MAX_SERVER_VERSION_CHARS).nullable().optional(),
  status: z.enum(USAGE_STATUSES),
  errorCode: z.number().int().nullable(),
  latencyMs: z.number().finite().min(0),
  requestBytes: z.number().int().min(0),
  responseBytes: z.number().int().min(0),
  policyOutcome: zNullableString,
  dlpOutcome: z.enum(DLP_OUTCOMES).nullable().optional(),
  dlpFindings: z.record(z.string().max(80), z.number().int().min(0)).nullable().optional(),
  request: z.unknown(),
  response: z.unknown(),
});

export const ZUsageBatch = z.object({
  id: z.string().min(1),
  events: z.array(ZUsageEvent),
});
export type UsageEventBatch = z.infer<typeof ZUsageBatch>;

/**
 * Upper bounds (inclusive, milliseconds) of the rollups' latency histogram buckets; one more
 * bucket counts everything slower than the last bound. Changing them changes the meaning of
 * stored rollups, so only ever append.
 */
export const LATENCY_BUCKET_BOUNDS_MS = [
  0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
] as const;
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** Index of the bucket a latency falls in. */
export function latencyBucket(ms: number): number {
  let i = 0;
  while (i < LATENCY_BUCKET_BOUNDS_MS.length && ms > LATENCY_BUCKET_BOUNDS_MS[i]!) i++;
  return i;
}

/**
 * Methods kept as they are in rollups. Clients choose method names, so anything else is
 * rolled up as `other` (the audit log keeps the name): a client must not be able to grow the
 * rollup table with made-up methods.
 */
const ROLLUP_METHODS = new Set([
  METHOD_UNREAD,
  METHOD_CLIENT_RESPONSE,
  'initialize',
  'ping',
  'server/discover',
  'logging/setLevel',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
]);

export const rollupMethod = (method: string): string => (ROLLUP_METHODS.has(method) ? method : 'other');

/** Everything but `ok` counts as an error in rollups (the status dimension tells them apart). */
export const isErrorStatus = (status: UsageStatus): boolean => status !== 'ok';

/** Default days audit events are kept when a tenant has no `auditRetentionDays` setting. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 30;
