import { issuerFrom } from '@toolgate/auth/constants';
import { gatewayResourceUrl } from '@toolgate/auth/resource';
import { AppError } from '@toolgate/core/errors';
import { z } from 'zod';
import { ZSetUpstreamClientRequest, ZUpstreamClient } from '../../schemas/connections.ts';
import {
  ZCreateGatewayRequest,
  ZSetGatewayAssignmentsRequest,
  ZUpdateGatewayRequest,
  type Gateway,
} from '../../schemas/gateways.ts';
import {
  ZApproveInstallationRequest,
  ZListInstallationRequestsQuery,
  ZNewInstallationRequest,
  ZRejectInstallationRequest,
} from '../../schemas/installation-requests.ts';
import {
  ZCreateInstallationRequest,
  ZInstallation,
  ZSetEnabledRequest,
  ZSetToolLimitRequest,
  ZTool,
  ZUpdateInstallationRequest,
} from '../../schemas/installations.ts';
import {
  ZCreateRegistryEntryRequest,
  ZRegistryEntry,
  ZUpdateRegistryEntryRequest,
} from '../../schemas/registry.ts';
import { ZCreateApiTokenRequest } from '../../schemas/tokens.ts';
import { ZId } from '../../schemas/common.ts';
import { approveInstallationRequest } from '../../services/approve-installation-request.ts';
import { cancelInstallationRequest } from '../../services/cancel-installation-request.ts';
import { checkInstallationHealth } from '../../services/check-installation-health.ts';
import { createApiToken } from '../../services/create-api-token.ts';
import { createGateway } from '../../services/create-gateway.ts';
import { createInstallation } from '../../services/create-installation.ts';
import { createRegistryEntry } from '../../services/create-registry-entry.ts';
import { deleteGateway } from '../../services/delete-gateway.ts';
import { deleteInstallation } from '../../services/delete-installation.ts';
import { deleteRegistryEntry } from '../../services/delete-registry-entry.ts';
import { discoverInstallation } from '../../services/discover-installation.ts';
import { getGateway } from '../../services/get-gateway.ts';
import { getInstallation } from '../../services/get-installation.ts';
import { listApiTokens } from '../../services/list-api-tokens.ts';
import { listGateways } from '../../services/list-gateways.ts';
import { listInstallationRequests } from '../../services/list-installation-requests.ts';
import { listInstallationTools } from '../../services/list-installation-tools.ts';
import { listInstallations } from '../../services/list-installations.ts';
import { listRegistryEntries } from '../../services/list-registry-entries.ts';
import { probeServer, ZProbeServerRequest } from '../../services/probe-server.ts';
import { rejectInstallationRequest } from '../../services/reject-installation-request.ts';
import { setUpstreamClient } from '../../services/connections/set-upstream-client.ts';
import { requestInstallation } from '../../services/request-installation.ts';
import { revokeApiToken } from '../../services/revoke-api-token.ts';
import { setGatewayAssignments } from '../../services/set-gateway-assignments.ts';
import { setInstallationEnabled } from '../../services/set-installation-enabled.ts';
import { setToolEnabled } from '../../services/set-tool-enabled.ts';
import { setToolLimit } from '../../services/set-tool-limit.ts';
import { updateGateway } from '../../services/update-gateway.ts';
import { updateInstallation } from '../../services/update-installation.ts';
import { updateRegistryEntry } from '../../services/update-registry-entry.ts';
import type { ControlPlaneDeps } from '../../deps.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Thin adapters over the control-plane services, which enforce roles and tenancy
 * themselves (the same rules as the REST API). Inputs use the API's own schemas.
 */

const ZById = z.object({ id: ZId });

type WithDeps = { deps: ControlPlaneDeps };
/** What services that reach upstream servers (discovery, credentials) take from the process. */
const upstreamAccess = ({ deps }: WithDeps) => ({
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
const withUrl = ({ deps, tenantSlug }: WithDeps & { tenantSlug: string }, gateway: Gateway) => ({
  ...gateway,
  url: gatewayResourceUrl(deps.publicMcpUrl, tenantSlug, gateway.slug),
});

export const registryRouter = router({
  list: protectedProcedure.query(({ ctx }) => listRegistryEntries(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateRegistryEntryRequest)
    .mutation(({ ctx, input }) =>
      createRegistryEntry({ ...ctx.scope, allowStdio: ctx.deps.allowStdio ?? false, input }),
    ),
  /** A tenant-private entry (the catalog is read-only); a new slug renames its exposed tools. */
  update: protectedProcedure
    .input(z.object({ entryId: ZId, input: ZUpdateRegistryEntryRequest }))
    .output(ZRegistryEntry)
    .mutation(({ ctx, input }) =>
      updateRegistryEntry({
        ...ctx.scope,
        bus: ctx.deps.bus,
        allowStdio: ctx.deps.allowStdio ?? false,
        entryId: input.entryId,
        input: input.input,
      }),
    ),
  /** CONFLICT naming the installations (`details.installations`) while the entry has any. */
  delete: protectedProcedure
    .input(z.object({ entryId: ZId }))
    .mutation(({ ctx, input }) =>
      deleteRegistryEntry({ ...ctx.scope, bus: ctx.deps.bus, entryId: input.entryId }),
    ),
  /** "Add custom server": what is at this URL (transport, OAuth), to pre-fill the form. */
  probe: protectedProcedure
    .input(ZProbeServerRequest)
    .mutation(({ ctx, input }) =>
      probeServer({ url: input.url, allowPrivate: ctx.deps.allowPrivateUpstreams ?? false }),
    ),
  /**
   * As REST `PUT /registry/{id}/oauth-client`: a client registered by hand at an OAuth server's
   * authorization server (owners and admins); the answer names the redirect URI to register there.
   * Flat input, so a form's field messages are keyed `clientId` and `clientSecret`.
   */
  setOAuthClient: protectedProcedure
    .input(ZSetUpstreamClientRequest.extend({ entryId: ZId }))
    .output(ZUpstreamClient)
    .mutation(({ ctx, input: { entryId, ...input } }) => {
      // The secret is sealed with the key ring; a deployment without one cannot hold it.
      if (!ctx.deps.secretKeys)
        throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
      return setUpstreamClient({
        ...ctx.scope,
        keys: ctx.deps.secretKeys,
        registryEntryId: entryId,
        input,
        publicWebUrl: ctx.deps.publicWebUrl,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
      });
    }),
});

export const installationsRouter = router({
  list: protectedProcedure.query(({ ctx }) => listInstallations(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateInstallationRequest)
    .mutation(({ ctx, input }) => createInstallation({ ...ctx.scope, ...upstreamAccess(ctx), input })),
  discover: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      discoverInstallation({ ...ctx.scope, ...upstreamAccess(ctx), installationId: input.id }),
    ),
  tools: protectedProcedure
    .input(ZById)
    .query(({ ctx, input }) => listInstallationTools({ ...ctx.scope, installationId: input.id })),
  get: protectedProcedure
    .input(ZById)
    .query(({ ctx, input }) => getInstallation({ ...ctx.scope, installationId: input.id })),
  setEnabled: protectedProcedure
    .input(ZSetEnabledRequest.extend({ id: ZId }))
    .mutation(({ ctx, input: { id, ...input } }) =>
      setInstallationEnabled({
        ...ctx.scope,
        bus: ctx.deps.bus,
        allowStdio: ctx.deps.allowStdio ?? false,
        installationId: id,
        input,
      }),
    ),
  setToolEnabled: protectedProcedure
    .input(ZSetEnabledRequest.extend({ id: ZId, toolId: ZId }))
    .mutation(({ ctx, input: { id, toolId, ...input } }) =>
      setToolEnabled({ ...ctx.scope, bus: ctx.deps.bus, installationId: id, toolId, input }),
    ),
  /** Sets (or with null removes) a tool's call limit (REST `PATCH /installations/{id}/tools/{toolId}`). */
  setToolLimit: protectedProcedure
    .input(ZSetToolLimitRequest.extend({ id: ZId, toolId: ZId }))
    .output(ZTool)
    .mutation(({ ctx, input: { id, toolId, ...input } }) =>
      setToolLimit({ ...ctx.scope, bus: ctx.deps.bus, installationId: id, toolId, input }),
    ),
  delete: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteInstallation({ ...ctx.scope, bus: ctx.deps.bus, installationId: input.id }),
    ),
  /** Rename and/or replace install-field values (credential rotation): `{ id, name?, values? }`. */
  update: protectedProcedure
    .input(ZUpdateInstallationRequest.safeExtend(ZById.shape))
    .output(ZInstallation)
    .mutation(({ ctx, input: { id, ...input } }) =>
      updateInstallation({
        ...ctx.scope,
        bus: ctx.deps.bus,
        secretKeys: ctx.deps.secretKeys,
        installationId: id,
        input,
      }),
    ),
  /** "Check now": one health check of a remote installation, recorded like the scheduled ones. */
  checkHealth: protectedProcedure
    .input(ZById)
    .output(ZInstallation)
    .mutation(({ ctx, input }) =>
      checkInstallationHealth({
        ...ctx.scope,
        secretKeys: ctx.deps.secretKeys,
        issuer: issuerFrom(ctx.deps.publicWebUrl),
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        bus: ctx.deps.bus,
        versionMail: { mailer: ctx.deps.mailer, publicWebUrl: ctx.deps.publicWebUrl, log: ctx.deps.log },
        installationId: input.id,
      }),
    ),
});

export const installationRequestsRouter = router({
  list: protectedProcedure
    .input(ZListInstallationRequestsQuery.optional())
    .query(({ ctx, input }) => listInstallationRequests({ ...ctx.scope, query: input })),
  create: protectedProcedure
    .input(ZNewInstallationRequest)
    .mutation(({ ctx, input }) => requestInstallation({ ...ctx.scope, input })),
  approve: protectedProcedure
    .input(ZApproveInstallationRequest.extend({ id: ZId }))
    .mutation(({ ctx, input: { id, ...input } }) =>
      approveInstallationRequest({ ...ctx.scope, ...upstreamAccess(ctx), requestId: id, input }),
    ),
  reject: protectedProcedure
    .input(ZRejectInstallationRequest.extend({ id: ZId }))
    .mutation(({ ctx, input: { id, ...input } }) =>
      rejectInstallationRequest({ ...ctx.scope, requestId: id, input }),
    ),
  cancel: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => cancelInstallationRequest({ ...ctx.scope, requestId: input.id })),
});

export const gatewaysRouter = router({
  list: protectedProcedure.query(async ({ ctx }) =>
    (await listGateways(ctx.scope)).map((g) => withUrl(ctx, g)),
  ),
  get: protectedProcedure
    .input(ZById)
    .query(async ({ ctx, input }) => withUrl(ctx, await getGateway({ ...ctx.scope, gatewayId: input.id }))),
  create: protectedProcedure
    .input(ZCreateGatewayRequest)
    .mutation(async ({ ctx, input }) =>
      withUrl(ctx, await createGateway({ ...ctx.scope, bus: ctx.deps.bus, input })),
    ),
  update: protectedProcedure
    .input(z.object({ id: ZId, patch: ZUpdateGatewayRequest }))
    .mutation(async ({ ctx, input }) =>
      withUrl(
        ctx,
        await updateGateway({
          ...ctx.scope,
          bus: ctx.deps.bus,
          gatewayId: input.id,
          input: input.patch,
        }),
      ),
    ),
  delete: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => deleteGateway({ ...ctx.scope, bus: ctx.deps.bus, gatewayId: input.id })),
  setAssignments: protectedProcedure
    .input(ZSetGatewayAssignmentsRequest.extend({ id: ZId }))
    .mutation(({ ctx, input: { id, ...input } }) =>
      setGatewayAssignments({ ...ctx.scope, bus: ctx.deps.bus, gatewayId: id, input }),
    ),
});

export const tokensRouter = router({
  list: protectedProcedure.query(({ ctx }) => listApiTokens(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateApiTokenRequest)
    .mutation(({ ctx, input }) => createApiToken({ ...ctx.scope, input })),
  revoke: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => revokeApiToken({ ...ctx.scope, bus: ctx.deps.bus, tokenId: input.id })),
});
