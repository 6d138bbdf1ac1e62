import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { captureForAudit } from '@toolgate/core/redact';
import { strongerOutcome, type DlpOutcome } from '@toolgate/core/dlp';
import {
  MAX_AGENT_CHARS,
  METHOD_CLIENT_RESPONSE,
  METHOD_UNREAD,
  type UsageEvent,
  type UsageStatus,
  type UsageVariant,
} from '@toolgate/core/usage';
import { RPC, type ClientMessage } from '@toolgate/mcp/jsonrpc';
import { parseTraceparent } from '@toolgate/mcp/trace-context';
import type { Principal } from '../mcp-call.ts';
import type { UsageRecorder } from './recorder.ts';

/** Results worth keeping in the audit log (tools/list and friends are large and uninteresting). */
const AUDITED_RESULTS = new Set(['tools/call', 'prompts/get', 'resources/read', 'tasks/result', 'tasks/get']);
const MAX_METHOD_CHARS = 128;
/** Longer than any exposed name (128) may be, so a refused one is recognisable, and bounded. */
const MAX_REQUESTED_NAME_CHARS = 200;

/** Random bytes drawn in blocks: one trace id per message is on the hot path. */
let entropy = Buffer.alloc(0);
let entropyOffset = 0;
function randomTraceId(): string {
  if (entropyOffset + 16 > entropy.length) {
    entropy = randomBytes(4096);
    entropyOffset = 0;
  }
  entropyOffset += 16;
  return entropy.toString('hex', entropyOffset - 16, entropyOffset);
}

/**
 * The trace id of a valid W3C `traceparent` header, else a fresh one. Valid as the upstream
 * relay and the tracer see it, so the audit log names the trace they continue.
 */
export function traceIdFrom(header: string | string[] | undefined): string {
  return parseTraceparent(header)?.traceId ?? randomTraceId();
}

/** Auth, policy and rate-limit refusals are `denied`; other JSON-RPC errors are `error`. */
const statusOfError = (code: number): UsageStatus =>
  code === RPC.UNAUTHORIZED || code === RPC.FORBIDDEN || code === RPC.RATE_LIMITED ? 'denied' : 'error';

/**
 * The usage event of one client message while it is handled. It is the event itself (its own
 * fields are exactly `UsageEvent`'s, so it serialises as one), plus a private start time and
 * methods the endpoint and the responder call as the message goes through. One allocation per
 * message; arguments and results are redacted and capped once, when known, never serialised.
 */
export class UsageDraft implements UsageEvent {
  at = Date.now();
  tenantId = '';
  gatewayId: string | null = null;
  traceId: string;
  principalType: string | null = null;
  principalId: string | null = null;
  authMethod: string | null = null;
  sessionId: string | null = null;
  agent: string | null = null;
  method = METHOD_UNREAD;
  toolName: string | null = null;
  requestedName: string | null = null;
  installationId: string | null = null;
  variant: UsageVariant | null = null;
  serverVersion: string | null = null;
  /** Pessimistic until something answers: a message that ends without a reply was an internal error. */
  status: UsageStatus = 'error';
  errorCode: number | null = RPC.INTERNAL_ERROR;
  latencyMs = 0;
  requestBytes: number;
  responseBytes = 0;
  policyOutcome: string | null = null;
  dlpOutcome: DlpOutcome | null = null;
  dlpFindings: Record<string, number> | null = null;
  request: unknown = null;
  response: unknown = null;
  /** The tool a tools/call named, kept for the audit if the gateway turns out not to expose it. */
  #askedName: string | null = null;
  /** A policy refused the call: its answer (a tool error) is recorded as `denied`. */
  #policyDenied = false;
  /** Set by auditCopy: the result as the audit keeps it. */
  #resultForAudit: { value: unknown } | undefined;
  /** The agent is the caller's OAuth client, which a declared client name does not override. */
  #agentIsClient = false;
  readonly #started = performance.now();
  readonly #fieldMaxChars: number;

  constructor(
    readonly requestId: string,
    headers: IncomingHttpHeaders,
    fieldMaxChars: number,
  ) {
    this.traceId = traceIdFrom(headers.traceparent);
    // Until the body is read (it never is for a denied request), the declared length.
    this.requestBytes = Math.max(0, Math.trunc(Number(headers['content-length']))) || 0;
    this.#fieldMaxChars = fieldMaxChars;
  }

  /** Who is calling (authenticated). */
  identify(principal: Principal): void {
    const colon = principal.id.indexOf(':');
    this.principalType = colon > 0 ? principal.id.slice(0, colon) : null;
    this.principalId = principal.id;
    this.authMethod = principal.authMethod;
    if (principal.clientId) {
      this.agent = principal.clientId.slice(0, MAX_AGENT_CHARS);
      this.#agentIsClient = true;
    }
  }

  /**
   * The name the client declared for itself (`clientInfo.name`): the agent, unless the caller's
   * OAuth client already is (as for policies' `caller.client`, the client id comes first).
   */
  declaredClient(name: unknown): void {
    if (this.#agentIsClient || typeof name !== 'string' || !name) return;
    this.agent = name.slice(0, MAX_AGENT_CHARS);
  }

  /** The caller passed authentication and gateway visibility. */
  attribute(tenantId: string, gatewayId: string, principal: Principal): void {
    this.tenantId = tenantId;
    this.gatewayId = gatewayId;
    this.identify(principal);
    this.policyOutcome = 'allow';
  }

  /**
   * A tool-call policy decided: `allow:<policy id>` (an allow policy matched) or
   * `deny:policy:<policy id>`, the call then recorded as `denied`.
   */
  decided(outcome: string, denied: boolean): void {
    this.policyOutcome = outcome;
    this.#policyDenied = denied;
  }

  /**
   * Guardrails looked at the call (once per direction): the strongest outcome so far and the
   * findings added up by detector (never the values).
   */
  dlp(outcome: DlpOutcome, findings: Record<string, number>): void {
    // Refused by the gateway, like a policy's deny: the model's tool error is recorded as `denied`.
    if (outcome === 'blocked') this.#policyDenied = true;
    this.dlpOutcome = this.dlpOutcome === null ? outcome : strongerOutcome(this.dlpOutcome, outcome);
    for (const [detector, count] of Object.entries(findings)) {
      this.dlpFindings ??= {};
      this.dlpFindings[detector] = (this.dlpFindings[detector] ?? 0) + count;
    }
  }

  /**
   * What the audit keeps of a value guardrails found something in: their findings replaced even
   * where the guardrail only logs, so the audit never holds what a detector flagged.
   */
  auditCopy(direction: 'arguments' | 'results', value: unknown): void {
    if (direction === 'arguments') this.forward(value);
    else this.#resultForAudit = { value };
  }

  /**
   * The installation that serves the call, and whether the caller was sent to its canary: the
   * variant is recorded only for installations running one, the version where the snapshot knows it.
   */
  servedBy(
    installation: { id: string; version?: string; canary?: { version: string } },
    canary: boolean,
  ): void {
    this.installationId = installation.id;
    if (installation.canary) {
      this.variant = canary ? 'canary' : 'stable';
      this.serverVersion = canary ? installation.canary.version : (installation.version ?? null);
    } else this.serverVersion = installation.version ?? null;
  }

  /** A tools/call refused by a rate limit or the monthly quota: its error reply follows. */
  limited(reason: 'rate_limited' | 'quota_exceeded'): void {
    this.policyOutcome = `deny:${reason}`;
  }

  /** Refused by authentication or authorization. */
  deny(reason: string, errorCode: number, responseBytes: number): void {
    this.status = 'denied';
    this.errorCode = errorCode;
    this.policyOutcome = `deny:${reason}`;
    this.responseBytes += responseBytes;
  }

  /** Answered with an error before (or instead of) dispatch: bad headers, body, session. */
  reject(errorCode: number, responseBytes: number): void {
    this.status = statusOfError(errorCode);
    this.errorCode = errorCode;
    this.responseBytes += responseBytes;
  }

  /** The message was read: what it is, how big, and (redacted) what it asked. */
  read(message: ClientMessage, bytes: number): void {
    this.requestBytes = bytes;
    if (message.kind === 'response') {
      this.method = METHOD_CLIENT_RESPONSE;
      const { result, error } = message.message;
      this.request = captureForAudit(error ?? result ?? null, this.#fieldMaxChars);
      this.accepted();
      return;
    }
    const { method, params } = message.message;
    this.method = method.length > MAX_METHOD_CHARS ? method.slice(0, MAX_METHOD_CHARS) : method;
    if (params !== undefined) {
      if (method === 'tools/call' && typeof params.name === 'string')
        this.#askedName = params.name.slice(0, MAX_REQUESTED_NAME_CHARS);
      const asked = method === 'tools/call' ? params.arguments : params;
      this.request = asked === undefined ? null : captureForAudit(asked, this.#fieldMaxChars);
    }
    if (message.kind === 'notification') this.accepted();
  }

  /** The gateway's call_tool stands for another tool: audit what that tool was asked. */
  forward(args: unknown): void {
    this.request = args === undefined ? null : captureForAudit(args, this.#fieldMaxChars);
  }

  /** A notification or client response was taken (202): nothing more will answer it. */
  accepted(): void {
    this.status = 'ok';
    this.errorCode = null;
  }

  /** Bytes of a message sent before the reply (progress, logs, server→client requests). */
  sent(bytes: number): void {
    this.responseBytes += bytes;
  }

  /** The final JSON-RPC response. */
  reply(message: unknown, bytes: number): void {
    this.responseBytes += bytes;
    const { result, error } = message as {
      result?: Record<string, unknown>;
      error?: { code?: unknown };
    };
    if (error) {
      this.errorCode = typeof error.code === 'number' ? error.code : RPC.INTERNAL_ERROR;
      this.status = statusOfError(this.errorCode);
      this.response = captureForAudit(error, this.#fieldMaxChars);
      // Refused before a tool was resolved (an unknown name): the audit still says what was asked.
      if (this.toolName === null && this.#askedName !== null) this.requestedName = this.#askedName;
      return;
    }
    this.errorCode = null;
    this.status = this.#policyDenied ? 'denied' : result?.isError === true ? 'tool_error' : 'ok';
    if (AUDITED_RESULTS.has(this.method))
      this.response = captureForAudit(
        this.#resultForAudit ? this.#resultForAudit.value : result,
        this.#fieldMaxChars,
      );
  }

  /** Elapsed time since the draft began; called once, when the message is done. */
  stop(): void {
    this.latencyMs = Math.round((performance.now() - this.#started) * 1000) / 1000;
  }
}

/** Starts drafts and records them once done. */
export class UsageMeter {
  constructor(
    readonly recorder: UsageRecorder,
    private readonly fieldMaxChars: number,
  ) {}

  begin(requestId: string, headers: IncomingHttpHeaders): UsageDraft {
    return new UsageDraft(requestId, headers, this.fieldMaxChars);
  }

  /** Records the event if it belongs to a tenant (unknown tenants have nobody to report to). */
  finish(draft: UsageDraft): void {
    if (!draft.tenantId) return;
    draft.stop();
    this.recorder.record(draft);
  }
}
