import { z } from 'zod';
import {
  ZCreateGatewayRequest,
  ZGateway,
  ZGatewayAssignments,
  ZSetGatewayAssignmentsRequest,
  ZUpdateGatewayRequest,
  type Gateway,
} from '../schemas/gateways.ts';
import { ZCreateInstallationRequest, ZDiscoveredInstallation, ZToolList } from '../schemas/installations.ts';
import { ZCreateRegistryEntryRequest, ZRegistryEntry, ZRegistryEntryList } from '../schemas/registry.ts';
import { ZApiToken, ZApiTokenList, ZCreateApiTokenRequest, ZCreatedApiToken } from '../schemas/tokens.ts';
import type { AuthenticatedCaller } from '../services/authenticate-api-token.ts';
import { createApiToken } from '../services/create-api-token.ts';
import { createGateway } from '../services/create-gateway.ts';
import { createInstallation } from '../services/create-installation.ts';
import { createRegistryEntry } from '../services/create-registry-entry.ts';
import { deleteGateway } from '../services/delete-gateway.ts';
import { discoverInstallation } from '../services/discover-installation.ts';
import { getGateway } from '../services/get-gateway.ts';
import { listApiTokens } from '../services/list-api-tokens.ts';
import { listGateways } from '../services/list-gateways.ts';
import { listInstallationTools } from '../services/list-installation-tools.ts';
import { listRegistryEntries } from '../services/list-registry-entries.ts';
import { probeServer, ZProbeResult, ZProbeServerRequest } from '../services/probe-server.ts';
import { revokeApiToken } from '../services/revoke-api-token.ts';
import { setGatewayAssignments } from '../services/set-gateway-assignments.ts';
import { updateGateway } from '../services/update-gateway.ts';
import type { RestDeps } from './deps.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext {
  deps: RestDeps;
  caller: AuthenticatedCaller;
  /** Path parameters, already checked to be UUIDs. */
  params: Record<string, string>;
}

export interface Route {
  method: HttpMethod;
  /** Under the base path, with `{param}` segments (OpenAPI style). */
  path: string;
  operationId: string;
  summary: string;
  tag: 'Registry' | 'Installations' | 'Gateways' | 'Tokens';
  body?: z.ZodType;
  status: 200 | 201 | 204;
  /** Absent for 204. */
  response?: z.ZodType;
  /** Error statuses this route answers besides 401/403 (every route) and 500. */
  errors: readonly (400 | 404 | 409 | 413 | 422 | 503)[];
  handle(ctx: RouteContext, body: unknown): Promise<unknown>;
}

/** Keeps `handle`'s body typed as the schema's output while the table stays homogeneous. */
function route<B extends z.ZodType | undefined = undefined>(
  def: Omit<Route, 'body' | 'handle'> & {
    body?: B;
    handle(ctx: RouteContext, body: B extends z.ZodType ? z.output<B> : undefined): Promise<unknown>;
  },
): Route {
  return def;
}

/** The gateway as the REST API answers it: with the URL MCP clients connect to. */
export const ZGatewayResponse = ZGateway.extend({
  url: z.url().meta({ description: 'The MCP endpoint: `{publicMcpUrl}/mcp/{tenant}/{gateway}`' }),
});
export const ZGatewayListResponse = z.object({ gateways: z.array(ZGatewayResponse) });

export const gatewayUrl = (publicMcpUrl: string, tenantSlug: string, gatewaySlug: string): string =>
  `${publicMcpUrl.replace(/\/+$/, '')}/mcp/${tenantSlug}/${gatewaySlug}`;

const withUrl = ({ deps, caller }: RouteContext, gateway: Gateway) => ({
  ...gateway,
  url: gatewayUrl(deps.publicMcpUrl, caller.tenantSlug, gateway.slug),
});

/** Options every service call gets from the request. */
const scope = ({ deps, caller }: RouteContext) => ({
  db: deps.db,
  tenantId: caller.tenantId,
  actor: caller.actor,
});
const upstreamAccess = ({ deps }: RouteContext) => ({
  bus: deps.bus,
  secretKeys: deps.secretKeys,
  allowPrivate: deps.allowPrivateUpstreams ?? false,
});

export const ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/registry',
    operationId: 'listRegistryEntries',
    summary: "List the tenant's registry entries and the built-in catalog",
    tag: 'Registry',
    status: 200,
    response: ZRegistryEntryList,
    errors: [],
    handle: async (ctx) => ({ entries: await listRegistryEntries(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/registry',
    operationId: 'createRegistryEntry',
    summary: "Add an MCP server to the tenant's registry",
    tag: 'Registry',
    body: ZCreateRegistryEntryRequest,
    status: 201,
    response: ZRegistryEntry,
    errors: [400, 409, 413, 422],
    handle: (ctx, input) => createRegistryEntry({ ...scope(ctx), input }),
  }),
  route({
    method: 'POST',
    path: '/registry/probe',
    operationId: 'probeServer',
    summary: 'Probe a server URL: reachable? which MCP transport? does it demand OAuth?',
    tag: 'Registry',
    body: ZProbeServerRequest,
    status: 200,
    response: ZProbeResult,
    errors: [400, 413, 422],
    handle: (ctx, input) =>
      probeServer({ url: input.url, allowPrivate: ctx.deps.allowPrivateUpstreams ?? false }),
  }),
  route({
    method: 'POST',
    path: '/installations',
    operationId: 'createInstallation',
    summary: 'Install a registry entry (org, team or personal) and discover its tools',
    tag: 'Installations',
    body: ZCreateInstallationRequest,
    status: 201,
    response: ZDiscoveredInstallation,
    errors: [400, 404, 413, 422, 503],
    handle: (ctx, input) => createInstallation({ ...scope(ctx), ...upstreamAccess(ctx), input }),
  }),
  route({
    method: 'POST',
    path: '/installations/{id}/discover',
    operationId: 'discoverInstallation',
    summary: "Re-discover an installation's tools",
    tag: 'Installations',
    status: 200,
    response: ZDiscoveredInstallation,
    errors: [404, 503],
    handle: (ctx) =>
      discoverInstallation({ ...scope(ctx), ...upstreamAccess(ctx), installationId: ctx.params.id! }),
  }),
  route({
    method: 'GET',
    path: '/installations/{id}/tools',
    operationId: 'listInstallationTools',
    summary: 'List the tools discovered on an installation',
    tag: 'Installations',
    status: 200,
    response: ZToolList,
    errors: [404],
    handle: async (ctx) => ({
      tools: await listInstallationTools({ ...scope(ctx), installationId: ctx.params.id! }),
    }),
  }),
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
    errors: [400, 404, 409, 413, 422],
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
  route({
    method: 'POST',
    path: '/tokens',
    operationId: 'createApiToken',
    summary: 'Create an API token (the plaintext is in this answer only)',
    tag: 'Tokens',
    body: ZCreateApiTokenRequest,
    status: 201,
    response: ZCreatedApiToken,
    errors: [400, 404, 413, 422],
    handle: (ctx, input) => createApiToken({ ...scope(ctx), input }),
  }),
  route({
    method: 'GET',
    path: '/tokens',
    operationId: 'listApiTokens',
    summary: 'List API tokens (never their values)',
    tag: 'Tokens',
    status: 200,
    response: ZApiTokenList,
    errors: [],
    handle: async (ctx) => ({ tokens: await listApiTokens(scope(ctx)) }),
  }),
  route({
    method: 'DELETE',
    path: '/tokens/{id}',
    operationId: 'revokeApiToken',
    summary: 'Revoke an API token',
    tag: 'Tokens',
    status: 200,
    response: ZApiToken,
    errors: [404],
    handle: (ctx) => revokeApiToken({ ...scope(ctx), bus: ctx.deps.bus, tokenId: ctx.params.id! }),
  }),
];
