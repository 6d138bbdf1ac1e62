import { DLP_OUTCOMES, POLICY_DECISIONS } from '@toolgate/core/dlp';
import { MAX_AGENT_CHARS, USAGE_STATUSES } from '@toolgate/core/usage';
import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';

/** Preset windows ending now; anything else is a custom `from`/`to`. */
export const USAGE_RANGES = ['1h', '24h', '7d', '30d'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

/** A status, or `errors` for every status but `ok`. */
export const USAGE_STATUS_FILTERS = [...USAGE_STATUSES, 'errors'] as const;
export type UsageStatusFilter = (typeof USAGE_STATUS_FILTERS)[number];

export const AUTH_METHODS = ['api_token', 'oauth', 'idp_jwt', 'passthrough'] as const;

/** Longest custom window: rollups are kept about this long, and buckets stay few. */
export const MAX_RANGE_DAYS = 400;

const MIN_WINDOW_YEAR = 1970;
const MAX_WINDOW_YEAR = 9999;

/**
 * A bound of a custom window. Years outside 1970–9999 name no usage and cannot make a window:
 * a day before year 0 is a negative year, which neither the database nor ISO 8601 answers take.
 */
const ZWindowBound = ZTimestamp.refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= MIN_WINDOW_YEAR && year <= MAX_WINDOW_YEAR;
}, `must be a time between the years ${MIN_WINDOW_YEAR} and ${MAX_WINDOW_YEAR}`);

const filterFields = {
  range: z
    .enum(USAGE_RANGES)
    .optional()
    .meta({ description: 'A window ending now (default 24h); or give `from` (and `to`) instead' }),
  from: ZWindowBound.optional().meta({ description: 'Start of a custom window (ISO 8601, inclusive)' }),
  to: ZWindowBound.optional().meta({
    description: 'End of a custom window (ISO 8601, exclusive); default now',
  }),
  gatewayId: ZId.optional(),
  installationId: ZId.optional().meta({ description: 'The server (installation) that served the call' }),
  tool: z.string().min(1).max(200).optional().meta({ description: 'Tool name as the gateway lists it' }),
  principalId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'The caller, e.g. `token:<id>` or `user:<id>`' }),
  agent: z.string().min(1).max(MAX_AGENT_CHARS).optional().meta({
    description:
      "The agent: the caller's OAuth client id, or the name the MCP client declared (`clientInfo.name`)",
  }),
  status: z
    .enum(USAGE_STATUS_FILTERS)
    .optional()
    .meta({ description: '`errors` matches every status but `ok`' }),
  authMethod: z.enum(AUTH_METHODS).optional(),
  method: z.string().min(1).max(128).optional().meta({ description: 'MCP method, e.g. `tools/call`' }),
  policyDecision: z
    .enum(POLICY_DECISIONS)
    .optional()
    .meta({
      description:
        "A tool call's policy decision: `none` no policy matched, `allow` an allow policy, `deny` a deny policy " +
        '(or policies that could not be checked), `approved` a held call was approved, `approval_denied` declined, ' +
        'refused or unconfirmed, `pending` still waiting for approval',
    }),
  dlpOutcome: z.enum(DLP_OUTCOMES).optional().meta({
    description:
      'What guardrails did to a tool call, the strongest of them: `none` nothing found, `logged`, `redacted`, `blocked`',
  }),
};

/**
 * A log cursor is base64url of `<time>|<id>`, decoded and checked where the log is queried. A
 * time of the right shape that no calendar has (February 30, year 0) would reach the database
 * and fail there, so it is refused here; anything else is left to the decoder to refuse.
 */
function cursorTimeExists(cursor: string): boolean {
  let decoded: string;
  try {
    decoded = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    return true;
  }
  const time = decoded.split('|', 1)[0]!;
  return !/^\d{4}-/.test(time) || ZWindowBound.safeParse(time).success;
}

function checkWindow(input: { range?: string; from?: string; to?: string }, ctx: z.RefinementCtx) {
  if (input.range && (input.from || input.to))
    ctx.addIssue({ code: 'custom', path: ['range'], message: 'give either range or from/to, not both' });
  if (input.from && input.to && Date.parse(input.from) >= Date.parse(input.to))
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
}

/** The filters every usage and log query takes (REST query string and tRPC input alike). */
export const ZUsageFilters = z.strictObject(filterFields).superRefine(checkWindow);
export type UsageFilters = z.input<typeof ZUsageFilters>;

export const MAX_LOG_PAGE_SIZE = 200;

export const ZLogsQuery = z
  .strictObject({
    ...filterFields,
    /** `nextCursor` of the previous page. */
    cursor: z
      .string()
      .min(1)
      .max(200)
      .refine(cursorTimeExists, 'not a cursor from a previous page')
      .optional()
      .meta({ description: '`nextCursor` of the previous page' }),
    limit: z.coerce.number().int().min(1).max(MAX_LOG_PAGE_SIZE).default(50),
  })
  .superRefine(checkWindow);
export type LogsQuery = z.input<typeof ZLogsQuery>;

export const ZResolvedRange = z.object({
  from: ZTimestamp,
  to: ZTimestamp,
  /** The preset used, or null for a custom window. */
  preset: z.enum(USAGE_RANGES).nullable(),
  /** Width of one series bucket. */
  bucketSeconds: z.number().int(),
});
export type ResolvedRange = z.infer<typeof ZResolvedRange>;

/** Something usage mentions (gateway, server, caller), with a name for people. */
export const ZUsageRef = z.object({
  id: z.string(),
  label: z.string(),
});
export type UsageRef = z.infer<typeof ZUsageRef>;

const ZCalls = {
  calls: z.number().int(),
  errors: z.number().int(),
};

export const ZUsageTop = z.object({
  ...ZUsageRef.shape,
  ...ZCalls,
  /** Mean latency, milliseconds; null without calls. */
  avgMs: z.number().nullable(),
});
export type UsageTop = z.infer<typeof ZUsageTop>;

export const ZUsagePoint = z.object({
  /** Start of the bucket. */
  start: ZTimestamp,
  ...ZCalls,
  /** From the merged latency histogram (interpolated within a bucket); null without calls. */
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export type UsagePoint = z.infer<typeof ZUsagePoint>;

export const ZUsageSummary = z.object({
  range: ZResolvedRange,
  totals: z.object({
    ...ZCalls,
    /** errors / calls; 0 without calls. */
    errorRate: z.number(),
    avgMs: z.number().nullable(),
    p50Ms: z.number().nullable(),
    p95Ms: z.number().nullable(),
  }),
  statuses: z.array(z.object({ status: z.enum(USAGE_STATUSES), calls: z.number().int() })),
  /** One point per bucket, empty buckets included, oldest first. */
  series: z.array(ZUsagePoint),
  top: z.object({
    tools: z.array(ZUsageTop),
    servers: z.array(ZUsageTop),
    callers: z.array(ZUsageTop),
    gateways: z.array(ZUsageTop),
    /** Agents (MCP client applications) by calls; `id` is the agent as recorded. */
    agents: z.array(ZUsageTop),
  }),
});
export type UsageSummary = z.infer<typeof ZUsageSummary>;

/** Values seen in a window, for filter pickers. */
export const ZUsageFacets = z.object({
  gateways: z.array(ZUsageRef),
  servers: z.array(ZUsageRef),
  tools: z.array(ZUsageRef),
  callers: z.array(ZUsageRef),
  agents: z.array(ZUsageRef),
});
export type UsageFacets = z.infer<typeof ZUsageFacets>;

export const GRAPH_COLUMNS = ['caller', 'gateway', 'server', 'tool'] as const;
export type GraphColumn = (typeof GRAPH_COLUMNS)[number];

export const ZUsageGraph = z.object({
  range: ZResolvedRange,
  nodes: z.array(
    z.object({
      id: z.string(),
      column: z.enum(GRAPH_COLUMNS),
      label: z.string(),
      ...ZCalls,
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), ...ZCalls })),
  /** True when only the busiest paths are shown. */
  truncated: z.boolean(),
});
export type UsageGraph = z.infer<typeof ZUsageGraph>;

export const ZLogEntry = z.object({
  id: ZId,
  occurredAt: ZTimestamp,
  method: z.string(),
  toolName: z.string().nullable(),
  /** tools/call of a name the gateway does not expose: the name asked for. */
  requestedName: z.string().nullable(),
  status: z.enum(USAGE_STATUSES),
  errorCode: z.number().int().nullable(),
  /** What went wrong, in the words the caller got: the error's message, or a failed tool's text. */
  errorMessage: z.string().nullable(),
  /** Why a `denied` call was refused (`invalid_token`, `not_visible`, `insufficient_scope`, …). */
  denyReason: z.string().nullable(),
  latencyMs: z.number(),
  requestBytes: z.number().int(),
  responseBytes: z.number().int(),
  authMethod: z.string().nullable(),
  gateway: ZUsageRef.nullable(),
  server: ZUsageRef.nullable(),
  caller: ZUsageRef.nullable(),
  /**
   * The agent: `id` is the OAuth client id or the name the client declared; `label` the OAuth
   * client's registered name when there is one. Null when unknown.
   */
  agent: ZUsageRef.nullable(),
  /** The policy decision (see `policyDecision` of the filters); null for anything no policy decided. */
  policyDecision: z.enum(POLICY_DECISIONS).nullable(),
  /** What guardrails did (`none | logged | redacted | blocked`); null where none applied. */
  dlpOutcome: z.enum(DLP_OUTCOMES).nullable(),
  /** Guardrail findings counted by detector (e.g. `{ "card": 2, "email": 1 }`), never the matched values. */
  dlpFindings: z.record(z.string(), z.number().int()).nullable(),
});
export type LogEntry = z.infer<typeof ZLogEntry>;

export const ZLogPage = z.object({
  range: ZResolvedRange,
  events: z.array(ZLogEntry),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
  /** Matching events, counted on the first page only (no cursor) and capped. */
  total: z.object({ count: z.number().int(), capped: z.boolean() }).nullable(),
});
export type LogPage = z.infer<typeof ZLogPage>;

export const ZLogEvent = ZLogEntry.extend({
  requestId: z.string().nullable(),
  traceId: z.string().nullable(),
  sessionId: z.string().nullable(),
  principalType: z.string().nullable(),
  policyOutcome: z.string().nullable(),
  /** Redacted and size-capped: tools/call arguments, or the method's params. */
  request: z.unknown(),
  /** Redacted and size-capped result or error (kept for tools/call, prompts/get, resources/read). */
  response: z.unknown(),
});
export type LogEvent = z.infer<typeof ZLogEvent>;

export const MIN_AUDIT_RETENTION_DAYS = 1;
export const MAX_AUDIT_RETENTION_DAYS = 365;

export const ZSetAuditRetentionRequest = z.strictObject({
  days: z.number().int().min(MIN_AUDIT_RETENTION_DAYS).max(MAX_AUDIT_RETENTION_DAYS),
});

export const ZAuditRetention = z.object({
  days: z.number().int(),
  /** True when the tenant has not chosen (the operator's default applies). */
  isDefault: z.boolean(),
});
export type AuditRetention = z.infer<typeof ZAuditRetention>;
