import type { IncomingHttpHeaders } from 'node:http';
import { SCOPE_READ, SCOPE_TOOLS, scopeAllows, SUPPORTED_SCOPES } from '@toolgate/auth/constants';
import type { Logger } from '@toolgate/core/logger';
import { PROXY_ERRORS, type ProxyErrorName } from '../errors.ts';
import type { Caller, Principal } from '../mcp-call.ts';
import type { AuthFailureReason } from '../observability/metrics.ts';
import type { Observability } from '../observability/observability.ts';
import type { TraceSpan } from '../observability/tracing.ts';
import type { GatewayRoute } from '../routes.ts';
import type { PreparedGateway, SnapshotStore } from '../config/snapshot-store.ts';
import type { UsageDraft } from '../usage/meter.ts';
import type { PassthroughAuthenticator } from './auth/passthrough-authenticator.ts';
import type { AuthenticatorChain, AuthFailure } from './auth/principal.ts';
import { limitData, type CallLimits } from '../dispatch/call-limits.ts';

/**
 * Admission: who is calling and may they reach this gateway, decided once per request and
 * answered as a result each transport renders in its own way. Per-call policies and quotas
 * will join here, between authentication and dispatch.
 */

/** Why a request is turned away, as a transport needs it to answer. */
export interface Refusal {
  error: ProxyErrorName;
  values?: Record<string, string>;
  headers?: Record<string, string>;
  /** The JSON-RPC error's `data`. */
  data?: unknown;
  /**
   * A refusal of the caller, recorded as `denied` with this reason; absent: the gateway could not
   * serve the request (an unknown gateway, a dependency down), recorded as an error.
   */
  deny?: string;
}

export type AdmissionResult = { ok: true; caller: Caller } | { ok: false; refusal: Refusal };

export interface AdmissionDeps {
  store: SnapshotStore;
  auth: AuthenticatorChain;
  /** Pass-through gateways' callers (their one server's access tokens). */
  passthrough?: PassthroughAuthenticator;
  log: Logger;
  /** Counts refusals by reason; traces authentication as a child of the message's span. */
  observability?: Observability;
  /** Rate limits and quotas (absent: none are enforced). */
  limits?: CallLimits;
}

const AUTH_FAILURE_ERROR: Record<AuthFailure, ProxyErrorName> = {
  missing: 'UNAUTHORIZED',
  malformed: 'INVALID_TOKEN',
  unknown: 'INVALID_TOKEN',
  expired: 'INVALID_TOKEN',
  revoked: 'INVALID_TOKEN',
  wrong_tenant: 'INVALID_TOKEN',
  wrong_gateway: 'INVALID_TOKEN',
  wrong_audience: 'INVALID_TOKEN',
  wrong_issuer: 'INVALID_TOKEN',
  not_member: 'INVALID_TOKEN',
  member_limit: 'MEMBER_LIMIT',
  insufficient_scope: 'INSUFFICIENT_SCOPE',
  method_not_allowed: 'AUTH_METHOD_NOT_ALLOWED',
  no_mcp_capability: 'NO_MCP_CAPABILITY',
  unavailable: 'UNAVAILABLE',
};

const OAUTH_SCOPES = SUPPORTED_SCOPES.join(' ');

/** Methods any authenticated caller may use whatever its scopes: they reach no tool or data. */
const SCOPE_FREE = new Set(['initialize', 'ping', 'logging/setLevel']);

/** The scope a caller lacks for `method`, or undefined when its credential allows it. */
export function missingScope(principal: Principal, method: string): string | undefined {
  if (principal.scopes === undefined || SCOPE_FREE.has(method) || scopeAllows(principal.scopes, method)) {
    return undefined;
  }
  return method === 'tools/call' ? SCOPE_TOOLS : SCOPE_READ;
}

export class Admission {
  constructor(private readonly deps: AdmissionDeps) {}

  /**
   * Finds the gateway and authenticates the caller. Unknown tenants, unknown gateways and other
   * tenants' tokens all look the same to a caller without a valid token of this tenant.
   * `usage`, when given, learns who is calling and where (an unknown tenant leaves it empty).
   */
  admit(headers: IncomingHttpHeaders, route: GatewayRoute, usage?: UsageDraft): Promise<AdmissionResult> {
    const span = this.deps.observability?.tracer?.child(usage, 'mcp.authenticate');
    if (span === undefined) return this.run(headers, route, usage, undefined);
    return this.run(headers, route, usage, span).then(
      (result) => {
        span.end();
        return result;
      },
      (err: unknown) => {
        span.fail((err as Error).message);
        span.end();
        throw err;
      },
    );
  }

  /**
   * A request whose access token lacks the scope its method needs: the step-up challenge of
   * MCP 2025-11-25 (RFC 6750 `insufficient_scope`), so the client may re-authorize and retry.
   */
  scopeRefusal(caller: Caller, method: string): Refusal | undefined {
    const scope = missingScope(caller.principal, method);
    if (!scope) return undefined;
    this.deps.observability?.metrics.authFailure('insufficient_scope');
    this.deps.observability?.refusals?.note('insufficient_scope');
    const metadata = caller.resourceMetadataUrl ? `, resource_metadata="${caller.resourceMetadataUrl}"` : '';
    return {
      error: 'INSUFFICIENT_SCOPE',
      values: { method, scope },
      headers: {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"${metadata}, error_description="${method} needs ${scope}"`,
      },
      deny: 'insufficient_scope',
    };
  }

  /**
   * A request other than tools/call over its tenant's per-minute limits: HTTP 429 with
   * `Retry-After`, before dispatch. Undefined (no await) when the tenant has none; tools/call is
   * checked by the tool caller, where the tool and its installation are known.
   */
  limitRefusal(caller: Caller): Promise<Refusal | undefined> | undefined {
    const pending = this.deps.limits?.request(caller.gateway.limits, caller.principal);
    return pending?.then((refusal) => {
      if (!refusal) return undefined;
      return {
        error: 'RATE_LIMITED',
        values: { message: refusal.message },
        headers: { 'retry-after': String(refusal.retryAfterSeconds) },
        data: limitData(refusal),
        deny: refusal.reason,
      };
    });
  }

  /** A caller turned away: counted by reason, summarised in the log and noted on the span. */
  private refused(span: TraceSpan | undefined, reason: AuthFailureReason): void {
    this.deps.observability?.metrics.authFailure(reason);
    this.deps.observability?.refusals?.note(reason);
    span?.set('toolgate.auth.failure', reason);
  }

  /**
   * A pass-through gateway: only its server's authorization server's tokens, for this gateway,
   * checked here; nothing else is asked (no membership, no visibility: the server's authorization
   * server decides who gets a token). Challenges name the gateway's metadata, which names that
   * authorization server.
   */
  private async passthrough(
    authorization: string | undefined,
    route: GatewayRoute,
    gateway: PreparedGateway,
    usage: UsageDraft | undefined,
    span: TraceSpan | undefined,
  ): Promise<AdmissionResult> {
    const { snapshot } = gateway;
    if (usage) {
      usage.tenantId = snapshot.tenant.id;
      usage.gatewayId = snapshot.gateway.id;
      usage.authMethod = 'passthrough';
    }
    const fronted = snapshot.passthrough;
    if (!fronted || !this.deps.passthrough)
      return {
        ok: false,
        refusal: { error: 'PASSTHROUGH_UNAVAILABLE', values: { gateway: route.gatewaySlug } },
      };
    const scope = fronted.scopes?.length ? `, scope="${fronted.scopes.join(' ')}"` : '';
    const challenge = (error?: string) => ({
      'www-authenticate': `Bearer resource_metadata="${route.metadataUrl}"${scope}${error ? `, error="${error}"` : ''}`,
    });
    const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!bearer) {
      const failure = authorization === undefined ? 'missing' : 'malformed';
      this.refused(span, failure);
      return {
        ok: false,
        refusal: {
          error: failure === 'missing' ? 'UNAUTHORIZED' : 'INVALID_TOKEN',
          headers: challenge(failure === 'missing' ? undefined : 'invalid_token'),
          deny: failure,
        },
      };
    }
    const result = await this.deps.passthrough.authenticate(bearer, {
      tenantId: snapshot.tenant.id,
      resourceUrl: route.resourceUrl,
      passthrough: fronted,
    });
    if (!result.ok) {
      this.refused(span, result.failure);
      if (result.failure === 'unavailable')
        return { ok: false, refusal: { error: 'UNAVAILABLE', headers: { 'retry-after': '2' } } };
      return {
        ok: false,
        refusal: {
          error: 'PASSTHROUGH_TOKEN_REFUSED',
          values: { issuer: fronted.issuer, why: result.why },
          headers: challenge('invalid_token'),
          deny: result.failure,
        },
      };
    }
    const { principal } = result;
    span?.set('toolgate.auth.method', principal.authMethod);
    usage?.identify(principal);
    usage?.attribute(snapshot.tenant.id, snapshot.gateway.id, principal);
    return {
      ok: true,
      caller: { gateway, principal, resourceMetadataUrl: route.metadataUrl, subjectToken: bearer },
    };
  }

  private async run(
    headers: IncomingHttpHeaders,
    route: GatewayRoute,
    usage: UsageDraft | undefined,
    span: TraceSpan | undefined,
  ): Promise<AdmissionResult> {
    const { store, auth, log } = this.deps;
    let lookup;
    try {
      lookup = await store.get(route.tenantSlug, route.gatewaySlug);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'gateway configuration unavailable');
      return { ok: false, refusal: { error: 'UNAVAILABLE', headers: { 'retry-after': '2' } } };
    }
    const { authorization } = headers;
    const snapshot = lookup.kind === 'found' ? lookup.gateway.snapshot : undefined;
    // Clients of gateways that take our OAuth tokens learn which scopes to ask for (MCP 2025-11-25).
    const scopeHint =
      !snapshot || snapshot.gateway.clientAuthMethods.includes('oauth') ? `, scope="${OAUTH_SCOPES}"` : '';
    const challenge = (error?: string) => ({
      'www-authenticate': `Bearer resource_metadata="${route.metadataUrl}"${scopeHint}${error ? `, error="${error}"` : ''}`,
    });
    if (lookup.kind === 'missing' && lookup.what === 'tenant') {
      this.refused(span, 'unknown_tenant');
      const error = authorization ? 'INVALID_TOKEN' : 'UNAUTHORIZED';
      return {
        ok: false,
        refusal: { error, headers: challenge(authorization ? 'invalid_token' : undefined) },
      };
    }
    const tenantId = lookup.kind === 'found' ? lookup.gateway.snapshot.tenant.id : lookup.tenantId!;
    if (lookup.kind === 'found' && lookup.gateway.snapshot.gateway.clientAuthMethods.includes('passthrough'))
      return this.passthrough(authorization, route, lookup.gateway, usage, span);
    const gateway = lookup.kind === 'found' ? lookup.gateway.snapshot.gateway : undefined;
    const result = await auth.authenticate(authorization, {
      tenantId,
      gatewayId: gateway?.id ?? '',
      allowedMethods: gateway?.clientAuthMethods ?? ['api_token', 'oauth', 'idp_jwt'],
      resourceUrl: route.resourceUrl,
      ...(snapshot?.identityProvider
        ? {
            identityProvider: snapshot.identityProvider,
            allowJitUsers: snapshot.tenant.allowJitUsers === true,
          }
        : {}),
    });
    if (usage) {
      usage.tenantId = tenantId;
      usage.gatewayId = gateway?.id ?? null;
    }
    if (!result.ok) {
      this.refused(span, result.failure);
      if (usage) usage.authMethod = result.method ?? null;
      const error = AUTH_FAILURE_ERROR[result.failure];
      return {
        ok: false,
        refusal: {
          error,
          values: { method: 'these' },
          headers:
            PROXY_ERRORS[error].status === 401
              ? challenge(result.failure === 'missing' ? undefined : 'invalid_token')
              : {},
          // Not being able to check a credential is our failure, not the caller's.
          ...(result.failure === 'unavailable' ? {} : { deny: result.failure }),
        },
      };
    }
    const principal = result.principal;
    span?.set('toolgate.auth.method', principal.authMethod);
    usage?.identify(principal);
    if (lookup.kind === 'missing') {
      this.deps.observability?.refusals?.note('gateway_not_found');
      return { ok: false, refusal: { error: 'GATEWAY_NOT_FOUND', values: { gateway: route.gatewaySlug } } };
    }
    const { gateway: config } = lookup.gateway.snapshot;
    if (
      config.visibility === 'teams' &&
      !principal.orgWide &&
      !principal.teamIds.some((t) => config.teamIds.includes(t))
    ) {
      this.refused(span, 'not_visible');
      return {
        ok: false,
        refusal: { error: 'NOT_VISIBLE', values: { gateway: route.gatewaySlug }, deny: 'not_visible' },
      };
    }
    usage?.attribute(tenantId, config.id, principal);
    // The caller's IdP token, kept for this request only: exchanged for upstreams that ask for it.
    const subjectToken =
      principal.authMethod === 'idp_jwt' && authorization?.startsWith('Bearer ')
        ? authorization.slice(7).trim()
        : undefined;
    return {
      ok: true,
      caller: {
        gateway: lookup.gateway,
        principal,
        resourceMetadataUrl: route.metadataUrl,
        ...(subjectToken ? { subjectToken } : {}),
      },
    };
  }
}
