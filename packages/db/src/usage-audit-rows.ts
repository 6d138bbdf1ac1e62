import { randomFillSync } from 'node:crypto';
import { MAX_AGENT_CHARS, type UsageEvent } from '@toolgate/core/usage';
import { sql } from 'drizzle-orm';

/**
 * Audit rows as one array per column: one insert with a parameter per column, whatever the batch
 * size (no 65k-parameter limit, one short statement to parse).
 */
interface AuditColumns {
  id: string[];
  tenantId: string[];
  at: number[];
  requestId: string[];
  traceId: string[];
  gatewayId: (string | null)[];
  principalType: (string | null)[];
  principalId: (string | null)[];
  authMethod: (string | null)[];
  sessionId: (string | null)[];
  agent: (string | null)[];
  method: string[];
  toolName: (string | null)[];
  requestedName: (string | null)[];
  installationId: (string | null)[];
  variant: (string | null)[];
  serverVersion: (string | null)[];
  status: string[];
  errorCode: (number | null)[];
  latencyMs: number[];
  requestBytes: number[];
  responseBytes: number[];
  policyOutcome: (string | null)[];
  dlpOutcome: (string | null)[];
  dlpFindings: (string | null)[];
  request: (string | null)[];
  response: (string | null)[];
}

export function auditColumns(events: readonly UsageEvent[]): AuditColumns {
  const ids = uuidV7s(events.length);
  const c: AuditColumns = {
    id: ids,
    tenantId: [],
    at: [],
    requestId: [],
    traceId: [],
    gatewayId: [],
    principalType: [],
    principalId: [],
    authMethod: [],
    sessionId: [],
    agent: [],
    method: [],
    toolName: [],
    requestedName: [],
    installationId: [],
    variant: [],
    serverVersion: [],
    status: [],
    errorCode: [],
    latencyMs: [],
    requestBytes: [],
    responseBytes: [],
    policyOutcome: [],
    dlpOutcome: [],
    dlpFindings: [],
    request: [],
    response: [],
  };
  for (const e of events) {
    c.tenantId.push(e.tenantId);
    c.at.push(e.at);
    c.requestId.push(text(e.requestId));
    c.traceId.push(text(e.traceId));
    c.gatewayId.push(e.gatewayId);
    c.principalType.push(e.principalType);
    c.principalId.push(e.principalId);
    c.authMethod.push(e.authMethod);
    c.sessionId.push(e.sessionId);
    c.agent.push(agentOf(e));
    c.method.push(text(e.method));
    c.toolName.push(e.toolName === null ? null : text(e.toolName));
    c.requestedName.push(e.requestedName ? text(e.requestedName) : null);
    c.installationId.push(e.installationId);
    c.variant.push(e.variant ?? null);
    c.serverVersion.push(e.serverVersion ? text(e.serverVersion) : null);
    c.status.push(e.status);
    c.errorCode.push(e.errorCode);
    c.latencyMs.push(e.latencyMs);
    c.requestBytes.push(e.requestBytes);
    c.responseBytes.push(e.responseBytes);
    c.policyOutcome.push(e.policyOutcome);
    c.dlpOutcome.push(e.dlpOutcome ?? null);
    c.dlpFindings.push(jsonText(e.dlpFindings));
    c.request.push(jsonText(e.request));
    c.response.push(jsonText(e.response));
  }
  return c;
}

export function filterColumns(columns: AuditColumns, keep: boolean[]): AuditColumns {
  const out = {} as Record<keyof AuditColumns, unknown[]>;
  for (const [name, values] of Object.entries(columns) as [keyof AuditColumns, unknown[]][]) {
    out[name] = values.filter((_, i) => keep[i]);
  }
  return out as unknown as AuditColumns;
}

export function insertAuditSql(c: AuditColumns) {
  return sql`
    insert into audit_events (
      id, tenant_id, occurred_at, request_id, trace_id, gateway_id, principal_type, principal_id,
      auth_method, session_id, agent, method, tool_name, requested_name, installation_id, variant, server_version,
      status, error_code, latency_ms, request_bytes, response_bytes, policy_outcome, dlp_outcome, dlp_findings, request, response
    )
    select id, tenant_id, to_timestamp(at / 1000.0), request_id, trace_id, gateway_id,
      principal_type, principal_id, auth_method, session_id, agent, method, tool_name, requested_name,
      installation_id, variant, server_version, status, error_code, latency_ms, request_bytes, response_bytes,
      policy_outcome, dlp_outcome, dlp_findings, request, response
    from unnest(
      ${sql.param(c.id)}::uuid[], ${sql.param(c.tenantId)}::uuid[], ${sql.param(c.at)}::float8[], ${sql.param(c.requestId)}::text[],
      ${sql.param(c.traceId)}::text[], ${sql.param(c.gatewayId)}::uuid[], ${sql.param(c.principalType)}::text[],
      ${sql.param(c.principalId)}::text[], ${sql.param(c.authMethod)}::text[], ${sql.param(c.sessionId)}::text[],
      ${sql.param(c.agent)}::text[], ${sql.param(c.method)}::text[],
      ${sql.param(c.toolName)}::text[], ${sql.param(c.requestedName)}::text[], ${sql.param(c.installationId)}::uuid[],
      ${sql.param(c.variant)}::text[], ${sql.param(c.serverVersion)}::text[], ${sql.param(c.status)}::text[], ${sql.param(c.errorCode)}::int[],
      ${sql.param(c.latencyMs)}::real[], ${sql.param(c.requestBytes)}::int[], ${sql.param(c.responseBytes)}::int[],
      ${sql.param(c.policyOutcome)}::text[], ${sql.param(c.dlpOutcome)}::text[], ${sql.param(c.dlpFindings)}::jsonb[],
      ${sql.param(c.request)}::jsonb[], ${sql.param(c.response)}::jsonb[]
    ) as u(
      id, tenant_id, at, request_id, trace_id, gateway_id, principal_type, principal_id, auth_method,
      session_id, agent, method, tool_name, requested_name, installation_id, variant, server_version, status, error_code,
      latency_ms, request_bytes,
      response_bytes, policy_outcome, dlp_outcome, dlp_findings, request, response
    )`;
}

/** The event's agent as stored: capped again here, as it is a rollup dimension. */
export const agentOf = (e: UsageEvent): string | null =>
  e.agent ? text(e.agent.slice(0, MAX_AGENT_CHARS)) : null;

/** Postgres text cannot hold NUL; client-chosen strings (methods) might. */
const text = (value: string): string => (value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value);

/**
 * JSON for a jsonb column. jsonb refuses `\u0000` and unpaired surrogates, which JSON.stringify
 * writes as escapes; only when one might be present is the value serialised again, cleaned.
 */
function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const json = JSON.stringify(value);
  if (json === undefined) return null;
  if (!/\\u(?:0000|d[89a-f])/i.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD') : v,
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Time-ordered UUIDs (version 7): audit rows arrive in time order, so their primary key index
 * grows at one end instead of taking random page writes.
 */
function uuidV7s(count: number): string[] {
  const random = randomFillSync(Buffer.allocUnsafe(count * 10));
  const ms = Date.now();
  const out = new Array<string>(count);
  const time = ms.toString(16).padStart(12, '0');
  for (let i = 0; i < count; i++) {
    const r = random.subarray(i * 10, i * 10 + 10);
    r[0] = (r[0]! & 0x0f) | 0x70; // version 7
    r[2] = (r[2]! & 0x3f) | 0x80; // variant 10
    const hex = r.toString('hex');
    out[i] =
      `${time.slice(0, 8)}-${time.slice(8, 12)}-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 20)}`;
  }
  return out;
}
