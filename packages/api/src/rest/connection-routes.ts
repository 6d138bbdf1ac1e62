import { AppError } from '@toolgate/core/errors';
import {
  ZConnectionList,
  ZConnectionRemoval,
  ZSetUpstreamClientRequest,
  ZStartConnectionRequest,
  ZStartedConnection,
  ZUpstreamClient,
} from '../schemas/connections.ts';
import { deleteConnection } from '../services/connections/delete-connection.ts';
import { listConnections } from '../services/connections/list-connections.ts';
import { setUpstreamClient } from '../services/connections/set-upstream-client.ts';
import { startConnection } from '../services/connections/start-connection.ts';
import { route, scope, type Route, type RouteContext } from './route.ts';

const keysOf = ({ deps }: RouteContext) => {
  if (!deps.secretKeys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
  return deps.secretKeys;
};

/** Connected accounts (gateway-managed upstream OAuth): `/connections…`. */
export const CONNECTION_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/connections',
    operationId: 'listConnections',
    summary: "List connected accounts: the caller's own, their teams' and the organization's (admins: all)",
    tag: 'Connections',
    status: 200,
    response: ZConnectionList,
    errors: [],
    handle: async (ctx) => ({ connections: await listConnections(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/connections/start',
    operationId: 'startConnection',
    summary:
      'Start connecting an account at an OAuth server: returns the URL where the user consents; the server sends them back to Toolgate, which stores the tokens',
    tag: 'Connections',
    body: ZStartConnectionRequest,
    status: 200,
    response: ZStartedConnection,
    errors: [400, 404, 413, 422, 502, 503],
    handle: (ctx, input) =>
      startConnection({
        ...scope(ctx),
        keys: keysOf(ctx),
        input,
        publicWebUrl: ctx.deps.publicWebUrl,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
      }),
  }),
  route({
    method: 'DELETE',
    path: '/connections/{id}',
    operationId: 'deleteConnection',
    summary:
      'Disconnect an account: revoked at the server when it offers revocation (RFC 7009), then forgotten',
    tag: 'Connections',
    status: 200,
    response: ZConnectionRemoval,
    errors: [404, 503],
    handle: (ctx) =>
      deleteConnection({
        ...scope(ctx),
        bus: ctx.deps.bus,
        keys: keysOf(ctx),
        connectionId: ctx.params.id!,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
      }),
  }),
  route({
    method: 'PUT',
    path: '/registry/{id}/oauth-client',
    operationId: 'setUpstreamOAuthClient',
    summary:
      "Use a client registered by hand at an OAuth server's authorization server (for servers without Client ID Metadata Documents or Dynamic Client Registration)",
    tag: 'Connections',
    body: ZSetUpstreamClientRequest,
    status: 200,
    response: ZUpstreamClient,
    errors: [400, 404, 413, 422, 502, 503],
    handle: (ctx, input) =>
      setUpstreamClient({
        ...scope(ctx),
        keys: keysOf(ctx),
        registryEntryId: ctx.params.id!,
        input,
        publicWebUrl: ctx.deps.publicWebUrl,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
      }),
  }),
];
