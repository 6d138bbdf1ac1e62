import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCOPE_READ, SCOPE_TOOLS, scopeAllows, SUPPORTED_SCOPES } from '@toolgate/auth/constants';
import type { Logger } from '@toolgate/core/logger';
import type { AuthenticatorChain, AuthFailure, Principal } from './auth/principal.ts';
import { PROXY_ERRORS, type ProxyErrorName } from '../errors.ts';
import { firstHeader, sendProxyError } from '../transport/http-util.ts';
import type { AuthFailureReason } from '../observability/metrics.ts';
import type { Observability } from '../observability/observability.ts';
import type { TraceSpan } from '../observability/tracing.ts';
import type { GatewayRoute } from '../routes.ts';
import type { PreparedGateway, SnapshotStore } from '../config/snapshot-store.ts';
import type { UsageDraft } from '../usage/meter.ts';

export interface Caller {
  gateway: PreparedGateway;
  principal: Principal;
  /** RFC 9728 metadata URL of the gateway, for scope challenges. */
  resourceMetadataUrl?: string;
}

export interface GatewayAccessDeps {
  store: SnapshotStore;
  auth: AuthenticatorChain;
  log: Logger;
  /** Counts refusals by reason; traces authentication as a child of the message's span. */
  observability?: Observability;
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
  insufficient_scope: 'INSUFFICIENT_SCOPE',
  method_not_allowed: 'AUTH_METHOD_NOT_ALLOWED',
  no_mcp_capability: 'NO_MCP_CAPABILITY',
  unavailable: 'UNAVAILABLE',
};

/**
 * Finds the gateway and authenticates the caller. Unknown tenants, unknown gateways and other
 * tenants' tokens all look the same to a caller without a valid token of this tenant.
 *
 * `usage`, when given, learns the outcome: the tenant, gateway and principal of an admitted
 * caller, or why a caller of a known tenant was refused (an unknown tenant leaves it empty).
 */
export function authenticateCaller(
  deps: GatewayAccessDeps,
  req: IncomingMessage,
  res: ServerResponse,
  route: GatewayRoute,
  usage?: UsageDraft,
): Promise<Caller | undefined> {
  const span = deps.observability?.tracer?.child(usage, 'mcp.authenticate');
  if (span === undefined) return admit(deps, req, res, route, usage, undefined);
  return admit(deps, req, res, route, usage, span).then(
    (caller) => {
      span.end();
      return caller;
    },
    (err: unknown) => {
      span.fail((err as Error).message);
      span.end();
      throw err;
    },
  );
}

/** A caller turned away: counted by reason and noted on the span. */
function refused(deps: GatewayAccessDeps, span: TraceSpan | undefined, reason: AuthFailureReason): void {
  deps.observability?.metrics.authFailure(reason);
  span?.set('toolgate.auth.failure', reason);
}

async function admit(
  deps: GatewayAccessDeps,
  req: IncomingMessage,
  res: ServerResponse,
  route: GatewayRoute,
  usage: UsageDraft | undefined,
  span: TraceSpan | undefined,
): Promise<Caller | undefined> {
  let lookup;
  try {
    lookup = await deps.store.get(route.tenantSlug, route.gatewaySlug);
  } catch (err) {
    deps.log.error({ err: (err as Error).message }, 'gateway configuration unavailable');
    sendProxyError(res, 'UNAVAILABLE', { headers: { 'retry-after': '2' } });
    return undefined;
  }
  const authorization = firstHeader(req.headers.authorization);
  const snapshot = lookup.kind === 'found' ? lookup.gateway.snapshot : undefined;
  // Clients of gateways that take our OAuth tokens learn which scopes to ask for (MCP 2025-11-25).
  const scopeHint =
    !snapshot || snapshot.gateway.clientAuthMethods.includes('oauth') ? `, scope="${OAUTH_SCOPES}"` : '';
  const challenge = (error?: string) => ({
    'www-authenticate': `Bearer resource_metadata="${route.metadataUrl}"${scopeHint}${error ? `, error="${error}"` : ''}`,
  });
  if (lookup.kind === 'missing' && lookup.what === 'tenant') {
    refused(deps, span, 'unknown_tenant');
    sendProxyError(res, authorization ? 'INVALID_TOKEN' : 'UNAUTHORIZED', {
      headers: challenge(authorization ? 'invalid_token' : undefined),
    });
    return undefined;
  }
  const tenantId = lookup.kind === 'found' ? lookup.gateway.snapshot.tenant.id : lookup.tenantId!;
  const gateway = lookup.kind === 'found' ? lookup.gateway.snapshot.gateway : undefined;
  const result = await deps.auth.authenticate(authorization, {
    tenantId,
    gatewayId: gateway?.id ?? '',
    allowedMethods: gateway?.clientAuthMethods ?? ['api_token', 'oauth', 'idp_jwt'],
    resourceUrl: route.resourceUrl,
    ...(snapshot?.identityProvider
      ? { identityProvider: snapshot.identityProvider, allowJitUsers: snapshot.tenant.allowJitUsers === true }
      : {}),
  });
  if (usage) {
    usage.tenantId = tenantId;
    usage.gatewayId = gateway?.id ?? null;
  }
  if (!result.ok) {
    refused(deps, span, result.failure);
    const name = AUTH_FAILURE_ERROR[result.failure];
    const { status, rpc } = PROXY_ERRORS[name];
    const bytes = sendProxyError(res, name, {
      values: { method: 'these' },
      headers: status === 401 ? challenge(result.failure === 'missing' ? undefined : 'invalid_token') : {},
    });
    if (usage) {
      usage.authMethod = result.method ?? null;
      // Not being able to check a credential is our failure, not the caller's.
      if (result.failure === 'unavailable') usage.reject(rpc, bytes);
      else usage.deny(result.failure, rpc, bytes);
    }
    return undefined;
  }
  const principal = result.principal;
  span?.set('toolgate.auth.method', principal.authMethod);
  usage?.identify(principal);
  if (lookup.kind === 'missing') {
    const bytes = sendProxyError(res, 'GATEWAY_NOT_FOUND', { values: { gateway: route.gatewaySlug } });
    usage?.reject(PROXY_ERRORS.GATEWAY_NOT_FOUND.rpc, bytes);
    return undefined;
  }
  if (
    lookup.gateway.snapshot.gateway.visibility === 'teams' &&
    !principal.orgWide &&
    !principal.teamIds.some((t) => lookup.gateway.snapshot.gateway.teamIds.includes(t))
  ) {
    refused(deps, span, 'not_visible');
    const bytes = sendProxyError(res, 'NOT_VISIBLE', { values: { gateway: route.gatewaySlug } });
    usage?.deny('not_visible', PROXY_ERRORS.NOT_VISIBLE.rpc, bytes);
    return undefined;
  }
  usage?.attribute(tenantId, lookup.gateway.snapshot.gateway.id, principal);
  return { gateway: lookup.gateway, principal, resourceMetadataUrl: route.metadataUrl };
}

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

/**
 * HTTP 403 with the step-up challenge of MCP 2025-11-25 (RFC 6750 `insufficient_scope`): the
 * client may re-authorize for `scope` and retry. Counted like other refusals.
 */
export function refuseScope(
  deps: Pick<GatewayAccessDeps, 'observability'>,
  res: ServerResponse,
  caller: Caller,
  request: { id: string | number; method: string },
  scope: string,
  usage?: UsageDraft,
): void {
  deps.observability?.metrics.authFailure('insufficient_scope');
  const metadata = caller.resourceMetadataUrl ? `, resource_metadata="${caller.resourceMetadataUrl}"` : '';
  const bytes = sendProxyError(res, 'INSUFFICIENT_SCOPE', {
    id: request.id,
    values: { method: request.method, scope },
    headers: {
      'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"${metadata}, error_description="${request.method} needs ${scope}"`,
    },
  });
  usage?.deny('insufficient_scope', PROXY_ERRORS.INSUFFICIENT_SCOPE.rpc, bytes);
}
