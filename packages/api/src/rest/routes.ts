import { issuerFrom } from '@toolgate/auth/constants';
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
import {
  ZApprovedInstallationRequest,
  ZApproveInstallationRequest,
  ZInstallationRequest,
  ZInstallationRequestList,
  ZNewInstallationRequest,
  ZRejectInstallationRequest,
} from '../schemas/installation-requests.ts';
import {
  ZCreateInstallationRequest,
  ZDiscoveredInstallation,
  ZInstallation,
  ZInstallationDetail,
  ZInstallationList,
  ZPatchInstallationRequest,
  ZTool,
  type Installation,
  ZToolList,
} from '../schemas/installations.ts';
import { ZPatchToolRequest } from '../schemas/policies.ts';
import {
  ZCreateRegistryEntryRequest,
  ZRegistryEntry,
  ZRegistryEntryList,
  ZUpdateRegistryEntryRequest,
} from '../schemas/registry.ts';
import { ZApiToken, ZApiTokenList, ZCreateApiTokenRequest, ZCreatedApiToken } from '../schemas/tokens.ts';
import {
  ZLogEvent,
  ZLogPage,
  ZLogsQuery,
  ZUsageFilters,
  ZUsageGraph,
  ZUsageSummary,
} from '../schemas/usage.ts';
import { approveInstallationRequest } from '../services/approve-installation-request.ts';
import { cancelInstallationRequest } from '../services/cancel-installation-request.ts';
import { checkInstallationHealth } from '../services/check-installation-health.ts';
import { createApiToken } from '../services/create-api-token.ts';
import { createGateway } from '../services/create-gateway.ts';
import { createInstallation } from '../services/create-installation.ts';
import { createRegistryEntry } from '../services/create-registry-entry.ts';
import { deleteGateway } from '../services/delete-gateway.ts';
import { deleteInstallation } from '../services/delete-installation.ts';
import { deleteRegistryEntry } from '../services/delete-registry-entry.ts';
import { discoverInstallation } from '../services/discover-installation.ts';
import { getAuditEvent } from '../services/get-audit-event.ts';
import { getGateway } from '../services/get-gateway.ts';
import { getInstallation } from '../services/get-installation.ts';
import { getUsageGraph } from '../services/get-usage-graph.ts';
import { getUsageSummary } from '../services/get-usage-summary.ts';
import { listAuditEvents } from '../services/list-audit-events.ts';
import { listApiTokens } from '../services/list-api-tokens.ts';
import { listGateways } from '../services/list-gateways.ts';
import { listInstallationRequests } from '../services/list-installation-requests.ts';
import { listInstallationTools } from '../services/list-installation-tools.ts';
import { listInstallations } from '../services/list-installations.ts';
import { listRegistryEntries } from '../services/list-registry-entries.ts';
import { probeServer, ZProbeResult, ZProbeServerRequest } from '../services/probe-server.ts';
import { rejectInstallationRequest } from '../services/reject-installation-request.ts';
import { requestInstallation } from '../services/request-installation.ts';
import { revokeApiToken } from '../services/revoke-api-token.ts';
import { setGatewayAssignments } from '../services/set-gateway-assignments.ts';
import { setInstallationEnabled } from '../services/set-installation-enabled.ts';
import { setToolEnabled } from '../services/set-tool-enabled.ts';
import { setToolLabels } from '../services/set-tool-labels.ts';
import { setToolLimit } from '../services/set-tool-limit.ts';
import { updateGateway } from '../services/update-gateway.ts';
import { updateInstallation } from '../services/update-installation.ts';
import { updateRegistryEntry } from '../services/update-registry-entry.ts';
import {
  ZCreateIdentityProviderRequest,
  ZIdentityProvider,
  ZJitUsersSetting,
  ZSetJitUsersRequest,
  ZUpdateIdentityProviderRequest,
} from '../schemas/identity-providers.ts';
import {
  ZCreatedOAuthClient,
  ZCreateOAuthClientRequest,
  ZDeletedOAuthClient,
  ZOAuthClient,
  ZOAuthGrant,
} from '../schemas/oauth.ts';
import { createIdentityProvider } from '../services/create-identity-provider.ts';
import { createOAuthClient } from '../services/create-oauth-client.ts';
import { deleteIdentityProvider } from '../services/delete-identity-provider.ts';
import { deleteOAuthClient } from '../services/delete-oauth-client.ts';
import { getJitUsers } from '../services/get-jit-users.ts';
import { listIdentityProviders } from '../services/list-identity-providers.ts';
import { listOAuthClients } from '../services/list-oauth-clients.ts';
import { listOAuthGrants } from '../services/list-oauth-grants.ts';
import { revokeOAuthGrant } from '../services/revoke-oauth-grant.ts';
import { setJitUsers } from '../services/set-jit-users.ts';
import { updateIdentityProvider } from '../services/update-identity-provider.ts';
import { ACCOUNT_ROUTES } from './account-routes.ts';
import { APPROVAL_ROUTES } from './approval-routes.ts';
import { BILLING_ROUTES } from './billing-routes.ts';
import { CONNECTION_ROUTES } from './connection-routes.ts';
import { GUARDRAIL_ROUTES } from './guardrail-routes.ts';
import { INSTALLATION_VERSION_ROUTES } from './installation-version-routes.ts';
import { SERVER_LOG_ROUTES } from './server-log-routes.ts';
import { MEMBER_ROUTES } from './member-routes.ts';
import { POLICY_ROUTES } from './policy-routes.ts';
import { QUOTA_ROUTES } from './quota-routes.ts';
import { route, scope, type Route, type RouteContext } from './route.ts';
import { TEAM_ROUTES } from './team-routes.ts';
import { TOOL_CHANGE_ROUTES } from './tool-change-routes.ts';
import { WORKSPACE_ROUTES } from './workspace-routes.ts';

export type { HttpMethod, Route, RouteContext, RouteTag } from './route.ts';

/** The gateway as the REST API answers it: with the URL MCP clients connect to. */
export const ZGatewayResponse = ZGateway.extend({
  url: z.url().meta({ description: 'The MCP endpoint: `{publicMcpUrl}/mcp/{tenant}/{gateway}`' }),
});
export const ZGatewayListResponse = z.object({ gateways: z.array(ZGatewayResponse) });

export const ZIdentityProviderList = z.object({ identityProviders: z.array(ZIdentityProvider) });
export const ZOAuthGrantList = z.object({ grants: z.array(ZOAuthGrant) });
export const ZOAuthClientList = z.object({ clients: z.array(ZOAuthClient) });

const withUrl = ({ deps, caller }: RouteContext, gateway: Gateway) => ({
  ...gateway,
  url: gatewayResourceUrl(deps.publicMcpUrl, caller.tenantSlug, gateway.slug),
});

const upstreamAccess = ({ deps }: RouteContext) => ({
  bus: deps.bus,
  secretKeys: deps.secretKeys,
  // Forwarded JWTs to `jwt` servers are issued as Toolgate's authorization server.
  issuer: issuerFrom(deps.publicWebUrl),
  allowPrivate: deps.allowPrivateUpstreams ?? false,
  allowStdio: deps.allowStdio ?? false,
  runners: deps.runners,
  // Admins are emailed when a server reports another version than before.
  versionMail: { mailer: deps.mailer, publicWebUrl: deps.publicWebUrl, log: deps.log },
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
    handle: (ctx, input) =>
      createRegistryEntry({ ...scope(ctx), allowStdio: ctx.deps.allowStdio ?? false, input }),
  }),
  route({
    method: 'PATCH',
    path: '/registry/{id}',
    operationId: 'updateRegistryEntry',
    summary:
      'Change a tenant registry entry (the built-in catalog is read-only); a new slug renames its exposed tools',
    tag: 'Registry',
    body: ZUpdateRegistryEntryRequest,
    status: 200,
    response: ZRegistryEntry,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      updateRegistryEntry({
        ...scope(ctx),
        bus: ctx.deps.bus,
        allowStdio: ctx.deps.allowStdio ?? false,
        entryId: ctx.params.id!,
        input,
      }),
  }),
  route({
    method: 'DELETE',
    path: '/registry/{id}',
    operationId: 'deleteRegistryEntry',
    summary: 'Remove a tenant registry entry (409 naming its installations while it has any)',
    tag: 'Registry',
    status: 204,
    errors: [404, 409],
    handle: async (ctx) => {
      await deleteRegistryEntry({ ...scope(ctx), bus: ctx.deps.bus, entryId: ctx.params.id! });
    },
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
    errors: [400, 402, 404, 409, 413, 422, 503],
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
    method: 'POST',
    path: '/installations/{id}/check',
    operationId: 'checkInstallationHealth',
    summary:
      "Check now whether an installation's remote server answers with its credential (status: ready, unreachable, auth_failed or error)",
    tag: 'Installations',
    status: 200,
    response: ZInstallation,
    errors: [404, 422, 503],
    handle: (ctx) =>
      checkInstallationHealth({
        ...scope(ctx),
        secretKeys: ctx.deps.secretKeys,
        issuer: issuerFrom(ctx.deps.publicWebUrl),
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        bus: ctx.deps.bus,
        versionMail: { mailer: ctx.deps.mailer, publicWebUrl: ctx.deps.publicWebUrl, log: ctx.deps.log },
        installationId: ctx.params.id!,
      }),
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
    path: '/installations',
    operationId: 'listInstallations',
    summary: 'List the installations the caller can see, with their tools',
    tag: 'Installations',
    status: 200,
    response: ZInstallationList,
    errors: [],
    handle: async (ctx) => ({ installations: await listInstallations(scope(ctx)) }),
  }),
  route({
    method: 'GET',
    path: '/installations/{id}',
    operationId: 'getInstallation',
    summary: 'Get an installation with its tools and the gateways pinned to it',
    tag: 'Installations',
    status: 200,
    response: ZInstallationDetail,
    errors: [404],
    handle: (ctx) => getInstallation({ ...scope(ctx), installationId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/installations/{id}',
    operationId: 'updateInstallation',
    summary:
      'Rename an installation, replace install-field values (credential rotation: secrets are sealed anew), or enable/disable it',
    tag: 'Installations',
    body: ZPatchInstallationRequest,
    status: 200,
    response: ZInstallation,
    errors: [400, 404, 409, 413, 422, 503],
    handle: async (ctx, { enabled, ...changes }) => {
      const installationId = ctx.params.id!;
      let view: Installation | undefined;
      if (changes.name !== undefined || changes.values !== undefined)
        view = await updateInstallation({
          ...scope(ctx),
          bus: ctx.deps.bus,
          secretKeys: ctx.deps.secretKeys,
          installationId,
          input: changes,
        });
      if (enabled !== undefined)
        view = await setInstallationEnabled({
          ...scope(ctx),
          bus: ctx.deps.bus,
          allowStdio: ctx.deps.allowStdio ?? false,
          installationId,
          input: { enabled },
        });
      return view!;
    },
  }),
  route({
    method: 'DELETE',
    path: '/installations/{id}',
    operationId: 'deleteInstallation',
    summary: 'Delete an installation (409 while gateway assignments are pinned to it)',
    tag: 'Installations',
    status: 204,
    errors: [404, 409],
    handle: (ctx) => deleteInstallation({ ...scope(ctx), bus: ctx.deps.bus, installationId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/installations/{id}/tools/{toolId}',
    operationId: 'setToolEnabled',
    summary:
      'Enable or disable one tool of an installation for every gateway, replace its labels (owners and admins), and/or set its call limit (callsPerMinute, all callers together; null removes it)',
    tag: 'Installations',
    body: ZPatchToolRequest,
    status: 200,
    response: ZTool,
    errors: [400, 404, 413, 422],
    handle: async (ctx, { enabled, labels, callsPerMinute }) => {
      const target = {
        ...scope(ctx),
        bus: ctx.deps.bus,
        installationId: ctx.params.id!,
        toolId: ctx.params.toolId!,
      };
      // Labels first: they need the stricter role, so a refusal leaves the tool as it was.
      let tool = labels === undefined ? undefined : await setToolLabels({ ...target, input: { labels } });
      if (callsPerMinute !== undefined) tool = await setToolLimit({ ...target, input: { callsPerMinute } });
      if (enabled !== undefined) tool = await setToolEnabled({ ...target, input: { enabled } });
      return tool!;
    },
  }),
  route({
    method: 'GET',
    path: '/installation-requests',
    operationId: 'listInstallationRequests',
    summary: 'List installation requests (owners and admins: all; members: their own)',
    tag: 'Installation requests',
    status: 200,
    response: ZInstallationRequestList,
    errors: [],
    handle: async (ctx) => ({ requests: await listInstallationRequests(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests',
    operationId: 'requestInstallation',
    summary: 'Ask the admins to install a server for the organization or a team',
    tag: 'Installation requests',
    body: ZNewInstallationRequest,
    status: 201,
    response: ZInstallationRequest,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) => requestInstallation({ ...scope(ctx), input }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests/{id}/approve',
    operationId: 'approveInstallationRequest',
    summary: 'Approve a request: install the server with these credentials and link the installation',
    tag: 'Installation requests',
    body: ZApproveInstallationRequest,
    status: 200,
    response: ZApprovedInstallationRequest,
    errors: [400, 402, 404, 409, 413, 422, 503],
    handle: (ctx, input) =>
      approveInstallationRequest({ ...scope(ctx), ...upstreamAccess(ctx), requestId: ctx.params.id!, input }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests/{id}/reject',
    operationId: 'rejectInstallationRequest',
    summary: 'Reject a request, with a note for the requester',
    tag: 'Installation requests',
    body: ZRejectInstallationRequest,
    status: 200,
    response: ZInstallationRequest,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) => rejectInstallationRequest({ ...scope(ctx), requestId: ctx.params.id!, input }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests/{id}/cancel',
    operationId: 'cancelInstallationRequest',
    summary: 'Withdraw your own pending request',
    tag: 'Installation requests',
    status: 200,
    response: ZInstallationRequest,
    errors: [404, 409],
    handle: (ctx) => cancelInstallationRequest({ ...scope(ctx), requestId: ctx.params.id! }),
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
  route({
    method: 'GET',
    path: '/identity-providers',
    operationId: 'listIdentityProviders',
    summary: 'List identity providers with the gateways that accept their JWTs',
    tag: 'Sign-in',
    status: 200,
    response: ZIdentityProviderList,
    errors: [],
    handle: async (ctx) => ({ identityProviders: await listIdentityProviders(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/identity-providers',
    operationId: 'createIdentityProvider',
    summary: 'Add an identity provider (issuer unique per tenant)',
    tag: 'Sign-in',
    body: ZCreateIdentityProviderRequest,
    status: 201,
    response: ZIdentityProvider,
    errors: [400, 409, 413, 422],
    handle: (ctx, input) =>
      createIdentityProvider({ ...scope(ctx), allowPrivate: ctx.deps.allowPrivateUpstreams ?? false, input }),
  }),
  route({
    method: 'PATCH',
    path: '/identity-providers/{id}',
    operationId: 'updateIdentityProvider',
    summary: 'Change an identity provider (gateways naming it are refreshed at once)',
    tag: 'Sign-in',
    body: ZUpdateIdentityProviderRequest,
    status: 200,
    response: ZIdentityProvider,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      updateIdentityProvider({
        ...scope(ctx),
        bus: ctx.deps.bus,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        identityProviderId: ctx.params.id!,
        input,
      }),
  }),
  route({
    method: 'DELETE',
    path: '/identity-providers/{id}',
    operationId: 'deleteIdentityProvider',
    summary: 'Remove an identity provider; gateways naming it stop accepting its JWTs',
    tag: 'Sign-in',
    status: 204,
    errors: [404],
    handle: (ctx) =>
      deleteIdentityProvider({ ...scope(ctx), bus: ctx.deps.bus, identityProviderId: ctx.params.id! }),
  }),
  route({
    method: 'GET',
    path: '/oauth/grants',
    operationId: 'listOAuthGrants',
    summary: 'Apps signed in through OAuth (members: their own)',
    tag: 'Sign-in',
    status: 200,
    response: ZOAuthGrantList,
    errors: [],
    handle: async (ctx) => ({ grants: await listOAuthGrants(scope(ctx)) }),
  }),
  route({
    method: 'DELETE',
    path: '/oauth/grants/{id}',
    operationId: 'revokeOAuthGrant',
    summary: "Revoke an app's grant: its refresh and access tokens stop working at once",
    tag: 'Sign-in',
    status: 200,
    response: ZOAuthGrant,
    errors: [404],
    handle: (ctx) => revokeOAuthGrant({ ...scope(ctx), bus: ctx.deps.bus, grantId: ctx.params.id! }),
  }),
  route({
    method: 'GET',
    path: '/oauth/clients',
    operationId: 'listOAuthClients',
    summary: 'List the OAuth clients registered for this workspace (owners and admins)',
    tag: 'Sign-in',
    status: 200,
    response: ZOAuthClientList,
    errors: [],
    handle: async (ctx) => ({ clients: await listOAuthClients(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/oauth/clients',
    operationId: 'createOAuthClient',
    summary:
      "Register an OAuth client for an app that cannot register itself (a confidential client's secret is in this answer only)",
    tag: 'Sign-in',
    body: ZCreateOAuthClientRequest,
    status: 201,
    response: ZCreatedOAuthClient,
    errors: [400, 413, 422],
    handle: (ctx, input) => createOAuthClient({ ...scope(ctx), input }),
  }),
  route({
    method: 'DELETE',
    path: '/oauth/clients/{id}',
    operationId: 'deleteOAuthClient',
    summary: 'Remove a registered OAuth client with its grants; its tokens stop working at once',
    tag: 'Sign-in',
    status: 200,
    response: ZDeletedOAuthClient,
    errors: [404],
    handle: (ctx) => deleteOAuthClient({ ...scope(ctx), bus: ctx.deps.bus, clientId: ctx.params.id! }),
  }),
  route({
    method: 'GET',
    path: '/settings/sign-in',
    operationId: 'getSignInSettings',
    summary: 'Whether callers an identity provider vouches for become users on first sign-in',
    tag: 'Sign-in',
    status: 200,
    response: ZJitUsersSetting,
    errors: [],
    handle: (ctx) => getJitUsers(scope(ctx)),
  }),
  route({
    method: 'PUT',
    path: '/settings/sign-in',
    operationId: 'setSignInSettings',
    summary: "Let an identity provider's callers unknown to the workspace become members on first sign-in",
    tag: 'Sign-in',
    body: ZSetJitUsersRequest,
    status: 200,
    response: ZJitUsersSetting,
    errors: [400, 413, 422],
    handle: (ctx, input) => setJitUsers({ ...scope(ctx), bus: ctx.deps.bus, input }),
  }),
  route({
    method: 'GET',
    path: '/usage',
    operationId: 'getUsageSummary',
    summary:
      'Calls over time, error rate, p50/p95 latency and the busiest tools, servers, callers and gateways (members: their own calls)',
    tag: 'Usage',
    query: ZUsageFilters,
    status: 200,
    response: ZUsageSummary,
    errors: [422],
    handle: (ctx) => getUsageSummary({ ...scope(ctx), input: ctx.query }),
  }),
  route({
    method: 'GET',
    path: '/usage/graph',
    operationId: 'getUsageGraph',
    summary: 'Tool calls as a graph: callers → gateways → servers → tools, with call and error counts',
    tag: 'Usage',
    query: ZUsageFilters,
    status: 200,
    response: ZUsageGraph,
    errors: [422],
    handle: (ctx) => getUsageGraph({ ...scope(ctx), input: ctx.query }),
  }),
  route({
    method: 'GET',
    path: '/logs',
    operationId: 'listAuditEvents',
    summary: 'The audit log, newest first, a page at a time (pass `nextCursor` as `cursor`)',
    tag: 'Usage',
    query: ZLogsQuery,
    status: 200,
    response: ZLogPage,
    errors: [422],
    handle: (ctx) => listAuditEvents({ ...scope(ctx), input: ctx.query }),
  }),
  route({
    method: 'GET',
    path: '/logs/{id}',
    operationId: 'getAuditEvent',
    summary: 'One call of the audit log with its redacted request and response',
    tag: 'Usage',
    status: 200,
    response: ZLogEvent,
    errors: [404],
    handle: (ctx) => getAuditEvent({ ...scope(ctx), eventId: ctx.params.id! }),
  }),
  ...POLICY_ROUTES,
  ...GUARDRAIL_ROUTES,
  ...APPROVAL_ROUTES,
  ...TOOL_CHANGE_ROUTES,
  ...TEAM_ROUTES,
  ...WORKSPACE_ROUTES,
  ...MEMBER_ROUTES,
  ...ACCOUNT_ROUTES,
  ...CONNECTION_ROUTES,
  ...INSTALLATION_VERSION_ROUTES,
  ...SERVER_LOG_ROUTES,
  ...QUOTA_ROUTES,
  ...BILLING_ROUTES,
];
