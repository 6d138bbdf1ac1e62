import { gatewayResourceUrl } from '@toolgate/auth/resource';
import { z } from 'zod';
import {
  ZCreateGatewayRequest,
  ZGateway,
  ZGatewayAssignments,
  ZSetGatewayAssignmentsRequest,
  ZUpdateGatewayRequest,
  type Gateway,
} from '../schemas/gateways.ts';
import { createGateway } from '../services/create-gateway.ts';
import { deleteGateway } from '../services/delete-gateway.ts';
import { getGateway } from '../services/get-gateway.ts';
import { listGateways } from '../services/list-gateways.ts';
import { setGatewayAssignments } from '../services/set-gateway-assignments.ts';
import { updateGateway } from '../services/update-gateway.ts';
import { route, scope, type Route, type RouteContext } from './route.ts';

/** The gateway as the REST API answers it: with the URL MCP clients connect to. */
export const ZGatewayResponse = ZGateway.extend({
  url: z.url().meta({ description: 'The MCP endpoint: `{publicMcpUrl}/mcp/{tenant}/{gateway}`' }),
});
export const ZGatewayListResponse = z.object({ gateways: z.array(ZGatewayResponse) });

const withUrl = ({ deps, caller }: RouteContext, gateway: Gateway) => ({
  ...gateway,
  url: gatewayResourceUrl(deps.publicMcpUrl, caller.tenantSlug, gateway.slug),
});

/** Gateways and the tools, prompts and resources each exposes. */
export const GATEWAY_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/gateways',
    operationId: 'listGateways',
    summary: 'List gateways',
    tag: 'Gateways',
    status: 200,
    response: ZGatewayListResponse,
    errors: [],
    handle: async (ctx) => ({ gateways: (await listGateways(scope(ctx))).map((g) => withUrl(ctx, g)) }),
  }),
  route({
    method: 'POST',
    path: '/gateways',
    operationId: 'createGateway',
    summary: 'Create a gateway',
    tag: 'Gateways',
    body: ZCreateGatewayRequest,
    status: 201,
    response: ZGatewayResponse,
    errors: [400, 402, 404, 409, 413, 422],
    handle: async (ctx, input) =>
      withUrl(ctx, await createGateway({ ...scope(ctx), bus: ctx.deps.bus, input })),
  }),
  route({
    method: 'GET',
    path: '/gateways/{id}',
    operationId: 'getGateway',
    summary: 'Get a gateway with its assignments',
    tag: 'Gateways',
    status: 200,
    response: ZGatewayResponse,
    errors: [404],
    handle: async (ctx) => withUrl(ctx, await getGateway({ ...scope(ctx), gatewayId: ctx.params.id! })),
  }),
  route({
    method: 'PATCH',
    path: '/gateways/{id}',
    operationId: 'updateGateway',
    summary: "Change a gateway's settings",
    tag: 'Gateways',
    body: ZUpdateGatewayRequest,
    status: 200,
    response: ZGatewayResponse,
    errors: [400, 404, 409, 413, 422],
    handle: async (ctx, input) =>
      withUrl(
        ctx,
        await updateGateway({ ...scope(ctx), bus: ctx.deps.bus, gatewayId: ctx.params.id!, input }),
      ),
  }),
  route({
    method: 'DELETE',
    path: '/gateways/{id}',
    operationId: 'deleteGateway',
    summary: 'Delete a gateway',
    tag: 'Gateways',
    status: 204,
    errors: [404],
    handle: (ctx) => deleteGateway({ ...scope(ctx), bus: ctx.deps.bus, gatewayId: ctx.params.id! }),
  }),
  route({
    method: 'PUT',
    path: '/gateways/{id}/tools',
    operationId: 'setGatewayAssignments',
    summary: 'Replace the tools, prompts and resources a gateway exposes',
    tag: 'Gateways',
    body: ZSetGatewayAssignmentsRequest,
    status: 200,
    response: ZGatewayAssignments,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      setGatewayAssignments({ ...scope(ctx), bus: ctx.deps.bus, gatewayId: ctx.params.id!, input }),
  }),
];
