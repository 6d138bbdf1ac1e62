import { isAppError, type AppError } from '@toolgate/core/errors';
import { captureForAudit, REDACTED } from '@toolgate/core/redact';
import type { Executor } from '@toolgate/db/config-outbox';
import { insertAuditRow } from '../audit-row.ts';

export { actorPrincipal } from '../audit-row.ts';

/**
 * Connected accounts in the audit log: each sign-in started, completed or refused, each refresh
 * that ends in "reconnect needed", each disconnect. They are written straight into `audit_events`
 * by the service that decided, not sent through the usage queue: the worker rolls up every usage
 * event it applies, and these are not calls through a gateway, so they must not count as calls
 * in usage rollups. Rows have no gateway; the caller is the user (or API token) who acted, the
 * server the connection's installation, `policyOutcome` `deny:<reason>` when refused, and the
 * response `{ message }` is the message the person was shown. Never a token, code, state or secret.
 */
export const CONNECTION_METHODS = {
  start: 'connection/start',
  complete: 'connection/complete',
  refresh: 'connection/refresh',
  delete: 'connection/delete',
} as const;
export type ConnectionMethod = (typeof CONNECTION_METHODS)[keyof typeof CONNECTION_METHODS];

export type ConnectionAuditStatus = 'ok' | 'error' | 'denied';

/** Why a connection step did not succeed (`deny:<reason>` in the audit log; the Logs page words each). */
export const CONNECTION_FAILURE_REASONS = [
  /** The caller may not do this (role, team, another user's installation). */
  'forbidden',
  /** The user completing a sign-in is no longer a member of the workspace. */
  'not_member',
  /** The SSRF guard refused an address the server's metadata led to. */
  'private_address',
  /** The server's metadata is about another resource, or its authorization server refused ours (invalid_target). */
  'wrong_resource',
  /** The authorization server issued a token (a JWT) whose audience is not the resource asked for. */
  'wrong_audience',
  /** The response came from another issuer than the one asked (RFC 9207), or did not say. */
  'wrong_issuer',
  /** The callback's `state` matches no sign-in in progress: replayed, forged, or forgotten. */
  'state_unknown',
  'state_expired',
  /** The sign-in was started by another user than the one completing it. */
  'wrong_user',
  /** The server sent the user back with `access_denied` (refused at consent). */
  'upstream_refused',
  /** The server sent the user back with another error. */
  'upstream_error',
  'no_code',
  /** Toolgate's client registration at the server is gone. */
  'client_gone',
  /** The token endpoint refused the code (used, expired, or not issued for this client and verifier). */
  'token_refused',
  /** The token endpoint could not be reached or gave no usable token. */
  'token_failed',
  'entry_removed',
  'discovery_failed',
  /** The server refused the refresh token (revoked or expired there). */
  'refresh_refused',
  'no_refresh_token',
  'invalid',
  'internal',
] as const;
export type ConnectionFailureReason = (typeof CONNECTION_FAILURE_REASONS)[number];

export interface ConnectionAuditEvent {
  tenantId: string;
  method: ConnectionMethod;
  status: ConnectionAuditStatus;
  /** `user:<id>` or `token:<id>`: who acted (for refreshes, the user whose account it is). */
  principalId: string | null;
  authMethod?: string | null;
  installationId?: string | null;
  reason?: ConnectionFailureReason;
  /** What the person was told (errors and refusals). */
  message?: string;
  request?: Record<string, unknown>;
  /** More of the outcome; `message` is added to it. */
  response?: Record<string, unknown>;
  /** `performance.now()` when the step began: the row's latency. */
  startedAt?: number;
  /**
   * Values that must not be stored even if an upstream echoes them in an error (the code, the
   * state, a refresh token): cut out of every string before anything is written.
   */
  secrets?: readonly (string | null | undefined)[];
}

/** Captured request/response size cap, in characters of JSON. */
const FIELD_MAX_CHARS = 4_096;
/** Shorter values are not worth hunting for (and would cut ordinary words). */
const MIN_SECRET_CHARS = 8;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const userPrincipal = (userId: string | null | undefined): string | null =>
  userId ? `user:${userId}` : null;

/** A JSON-safe, secret-free, capped copy of a captured field. */
function capture(value: Record<string, unknown>, secrets: readonly string[]): unknown {
  // Postgres jsonb refuses NUL and lone surrogates (a message cut in the middle of an emoji).
  let text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD') : v,
  );
  for (const secret of secrets) text = text.split(JSON.stringify(secret).slice(1, -1)).join(REDACTED);
  // Plain objects again: the capture's copies have no prototype, which the query builder rejects.
  return JSON.parse(JSON.stringify(captureForAudit(JSON.parse(text), FIELD_MAX_CHARS))) as unknown;
}

/**
 * Writes one connection event. Pass the transaction that saves the outcome, so the row commits
 * (or not) with it.
 */
export async function recordConnectionEvent(db: Executor, event: ConnectionAuditEvent): Promise<void> {
  const secrets = (event.secrets ?? []).filter((s): s is string => !!s && s.length >= MIN_SECRET_CHARS);
  const response =
    event.message !== undefined ? { message: event.message, ...event.response } : event.response;
  await insertAuditRow(
    db,
    { principalId: event.principalId, authMethod: event.authMethod ?? null },
    {
      tenantId: event.tenantId,
      occurredAt: new Date(),
      method: event.method,
      installationId: event.installationId ?? null,
      status: event.status,
      latencyMs: event.startedAt === undefined ? 0 : Math.max(0, performance.now() - event.startedAt),
      policyOutcome: event.status === 'ok' ? 'allow' : event.reason ? `deny:${event.reason}` : null,
      request: event.request ? capture(event.request, secrets) : null,
      response: response ? capture(response, secrets) : null,
    },
  );
}

/**
 * For failure paths: the person's error matters more than its audit row, so a row that cannot be
 * written (the database is what failed) does not replace their message with another.
 */
export async function recordConnectionFailure(db: Executor, event: ConnectionAuditEvent): Promise<void> {
  await recordConnectionEvent(db, event).catch(() => undefined);
}

interface Outcome {
  status: Exclude<ConnectionAuditStatus, 'ok'>;
  reason: ConnectionFailureReason;
}

const outcomes = new WeakMap<Error, Outcome>();

/** Marks an error with the audit outcome it stands for; returns it, to be thrown. */
export function withReason<E extends Error>(
  err: E,
  reason: ConnectionFailureReason,
  status: Outcome['status'] = 'denied',
): E {
  outcomes.set(err, { status, reason });
  return err;
}

/** The SSRF guard's refusal, as the upstream client words it (see @toolgate/auth upstream-client/http.ts). */
const PRIVATE_ADDRESS = / is a private address \(/;
/** RFC 9728 §3.3: protected-resource metadata naming another resource (upstream-client/discovery.ts). */
const OTHER_RESOURCE = / published metadata for another resource \(/;

/**
 * The audit outcome of an error a connection step threw: the reason it was marked with, else by
 * its kind; `upstream` is the reason of an unmarked upstream failure. Unexpected errors are
 * recorded without their message (it may carry internals).
 */
export function failureOf(err: unknown, upstream: ConnectionFailureReason): Outcome & { message: string } {
  const marked = err instanceof Error ? outcomes.get(err) : undefined;
  if (!isAppError(err))
    return { status: 'error', reason: marked?.reason ?? 'internal', message: 'Toolgate failed unexpectedly' };
  if (marked) return { ...marked, message: err.message };
  return { ...classify(err, upstream), message: err.message };
}

function classify(err: AppError, upstream: ConnectionFailureReason): Outcome {
  switch (err.code) {
    case 'FORBIDDEN':
    case 'UNAUTHORIZED':
      return { status: 'denied', reason: 'forbidden' };
    case 'UPSTREAM':
      if (PRIVATE_ADDRESS.test(err.message)) return { status: 'denied', reason: 'private_address' };
      if (OTHER_RESOURCE.test(err.message)) return { status: 'denied', reason: 'wrong_resource' };
      return { status: 'error', reason: upstream };
    default:
      return { status: 'error', reason: 'invalid' };
  }
}
