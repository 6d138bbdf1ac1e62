import type { ServerResponse } from 'node:http';
import { SUPPORTED_SCOPES } from '@toolgate/auth/constants';
import type { SnapshotStore } from '../config/snapshot-store.ts';
import type { GatewayRoute } from '../routes.ts';
import { sendJson, sendProxyError } from './http-util.ts';

/**
 * RFC 9728: which authorization server issues tokens for this gateway: Toolgate (`issuer`), or for
 * a pass-through gateway its one server's (tokens for the gateway's URL, which it forwards there).
 */
export async function protectedResourceMetadata(
  res: ServerResponse,
  gatewayRoute: GatewayRoute,
  { store, issuer }: { store: SnapshotStore; issuer: string },
): Promise<void> {
  let fronted;
  try {
    const lookup = await store.get(gatewayRoute.tenantSlug, gatewayRoute.gatewaySlug);
    fronted =
      lookup.kind === 'found' && lookup.gateway.snapshot.gateway.clientAuthMethods.includes('passthrough')
        ? (lookup.gateway.snapshot.passthrough ?? null)
        : undefined;
  } catch {
    sendProxyError(res, 'UNAVAILABLE', { headers: { 'retry-after': '2' } });
    return;
  }
  const scopes = fronted === undefined ? [...SUPPORTED_SCOPES] : fronted?.scopes;
  sendJson(
    res,
    200,
    {
      resource: gatewayRoute.resourceUrl,
      // A pass-through gateway whose server is unusable names no authorization server.
      authorization_servers: fronted === undefined ? [issuer] : fronted ? [fronted.issuer] : [],
      bearer_methods_supported: ['header'],
      ...(scopes?.length ? { scopes_supported: scopes } : {}),
      resource_name: `Toolgate gateway ${gatewayRoute.tenantSlug}/${gatewayRoute.gatewaySlug}`,
    },
    { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' },
  );
}
