import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@toolgate/core/logger';
import type { AuthenticatorChain, AuthFailure, Principal } from './auth/principal.ts';
import { PROXY_ERRORS, type ProxyErrorName } from './errors.ts';
import { firstHeader, sendProxyError } from './http-util.ts';
import type { GatewayRoute } from './routes.ts';
import type { PreparedGateway, SnapshotStore } from './snapshot-store.ts';

export interface Caller {
  gateway: PreparedGateway;
  principal: Principal;
}

export interface GatewayAccessDeps {
  store: SnapshotStore;
  auth: AuthenticatorChain;
  log: Logger;
}

const AUTH_FAILURE_ERROR: Record<AuthFailure, ProxyErrorName> = {
  missing: 'UNAUTHORIZED',
  malformed: 'INVALID_TOKEN',
  unknown: 'INVALID_TOKEN',
  expired: 'INVALID_TOKEN',
  revoked: 'INVALID_TOKEN',
  wrong_tenant: 'INVALID_TOKEN',
  method_not_allowed: 'AUTH_METHOD_NOT_ALLOWED',
  no_mcp_capability: 'NO_MCP_CAPABILITY',
  unavailable: 'UNAVAILABLE',
};

/**
 * Finds the gateway and authenticates the caller. Unknown tenants, unknown gateways and other
 * tenants' tokens all look the same to a caller without a valid token of this tenant.
 */
export async function authenticateCaller(
  deps: GatewayAccessDeps,
  req: IncomingMessage,
  res: ServerResponse,
  route: GatewayRoute,
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
  const challenge = (error?: string) => ({
    'www-authenticate': `Bearer resource_metadata="${route.metadataUrl}"${error ? `, error="${error}"` : ''}`,
  });
  if (lookup.kind === 'missing' && lookup.what === 'tenant') {
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
  });
  if (!result.ok) {
    const name = AUTH_FAILURE_ERROR[result.failure];
    const status = PROXY_ERRORS[name].status;
    sendProxyError(res, name, {
      values: { method: 'these' },
      headers: status === 401 ? challenge(result.failure === 'missing' ? undefined : 'invalid_token') : {},
    });
    return undefined;
  }
  if (lookup.kind === 'missing') {
    sendProxyError(res, 'GATEWAY_NOT_FOUND', { values: { gateway: route.gatewaySlug } });
    return undefined;
  }
  const principal = result.principal;
  if (
    lookup.gateway.snapshot.gateway.visibility === 'teams' &&
    !principal.orgWide &&
    !principal.teamIds.some((t) => lookup.gateway.snapshot.gateway.teamIds.includes(t))
  ) {
    sendProxyError(res, 'NOT_VISIBLE', { values: { gateway: route.gatewaySlug } });
    return undefined;
  }
  return { gateway: lookup.gateway, principal };
}
