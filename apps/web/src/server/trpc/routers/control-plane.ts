import { gatewayResourceUrl } from '@toolgate/auth/resource';
import {
  ZCreateGatewayRequest,
  ZSetGatewayAssignmentsRequest,
  ZUpdateGatewayRequest,
  type Gateway,
} from '@toolgate/api/schemas/gateways';
import {
  ZApproveInstallationRequest,
  ZListInstallationRequestsQuery,
  ZNewInstallationRequest,
  ZRejectInstallationRequest,
} from '@toolgate/api/schemas/installation-requests';
import { ZCreateInstallationRequest, ZSetEnabledRequest } from '@toolgate/api/schemas/installations';
import { ZCreateRegistryEntryRequest } from '@toolgate/api/schemas/registry';
import { ZCreateApiTokenRequest } from '@toolgate/api/schemas/tokens';
import { ZId } from '@toolgate/api/schemas/common';
import { approveInstallationRequest } from '@toolgate/api/services/approve-installation-request';
import { cancelInstallationRequest } from '@toolgate/api/services/cancel-installation-request';
import { createApiToken } from '@toolgate/api/services/create-api-token';
import { createGateway } from '@toolgate/api/services/create-gateway';
import { createInstallation } from '@toolgate/api/services/create-installation';
import { createRegistryEntry } from '@toolgate/api/services/create-registry-entry';
import { deleteGateway } from '@toolgate/api/services/delete-gateway';
import { deleteInstallation } from '@toolgate/api/services/delete-installation';
import { discoverInstallation } from '@toolgate/api/services/discover-installation';
import { getGateway } from '@toolgate/api/services/get-gateway';
import { getInstallation } from '@toolgate/api/services/get-installation';
import { listApiTokens } from '@toolgate/api/services/list-api-tokens';
import { listGateways } from '@toolgate/api/services/list-gateways';
import { listInstallationRequests } from '@toolgate/api/services/list-installation-requests';
import { listInstallationTools } from '@toolgate/api/services/list-installation-tools';
import { listInstallations } from '@toolgate/api/services/list-installations';
import { listRegistryEntries } from '@toolgate/api/services/list-registry-entries';
import { probeServer, ZProbeServerRequest } from '@toolgate/api/services/probe-server';
import { rejectInstallationRequest } from '@toolgate/api/services/reject-installation-request';
import { requestInstallation } from '@toolgate/api/services/request-installation';
import { revokeApiToken } from '@toolgate/api/services/revoke-api-token';
import { setGatewayAssignments } from '@toolgate/api/services/set-gateway-assignments';
import { setInstallationEnabled } from '@toolgate/api/services/set-installation-enabled';
import { setToolEnabled } from '@toolgate/api/services/set-tool-enabled';
import { updateGateway } from '@toolgate/api/services/update-gateway';
import { z } from 'zod';
import type { TrpcServices } from '../context.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Thin adapters over the control-plane services of @toolgate/api, which enforce roles and
 * tenancy themselves (the same rules as the REST API). Inputs use the API's own schemas.
 */

const ZById = z.object({ id: ZId });

type Services = { services: TrpcServices };
/** What services that reach upstream servers (discovery, credentials) take from the process. */
const upstreamAccess = ({ services }: Services) => ({
  bus: services.bus,
  secretKeys: services.secretKeys,
  allowPrivate: services.allowPrivateUpstreams,
  allowStdio: services.allowStdio ?? false,
});
const withUrl = ({ services, tenantSlug }: Services & { tenantSlug: string }, gateway: Gateway) => ({
  ...gateway,
  url: gatewayResourceUrl(services.publicMcpUrl, tenantSlug, gateway.slug),
});

export const registryRouter = router({
  list: protectedProcedure.query(({ ctx }) => listRegistryEntries(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateRegistryEntryRequest)
    .mutation(({ ctx, input }) =>
      createRegistryEntry({ ...ctx.scope, allowStdio: ctx.services.allowStdio ?? false, input }),
    ),
  /** "Add custom server": what is at this URL (transport, OAuth), to pre-fill the form. */
  probe: protectedProcedure
    .input(ZProbeServerRequest)
    .mutation(({ ctx, input }) =>
      probeServer({ url: input.url, allowPrivate: ctx.services.allowPrivateUpstreams }),
    ),
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
        bus: ctx.services.bus,
        allowStdio: ctx.services.allowStdio ?? false,
        installationId: id,
        input,
      }),
    ),
  setToolEnabled: protectedProcedure
    .input(ZSetEnabledRequest.extend({ id: ZId, toolId: ZId }))
    .mutation(({ ctx, input: { id, toolId, ...input } }) =>
      setToolEnabled({ ...ctx.scope, bus: ctx.services.bus, installationId: id, toolId, input }),
    ),
  delete: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteInstallation({ ...ctx.scope, bus: ctx.services.bus, installationId: input.id }),
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
      withUrl(ctx, await createGateway({ ...ctx.scope, bus: ctx.services.bus, input })),
    ),
  update: protectedProcedure
    .input(z.object({ id: ZId, patch: ZUpdateGatewayRequest }))
    .mutation(async ({ ctx, input }) =>
      withUrl(
        ctx,
        await updateGateway({
          ...ctx.scope,
          bus: ctx.services.bus,
          gatewayId: input.id,
          input: input.patch,
        }),
      ),
    ),
  delete: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteGateway({ ...ctx.scope, bus: ctx.services.bus, gatewayId: input.id }),
    ),
  setAssignments: protectedProcedure
    .input(ZSetGatewayAssignmentsRequest.extend({ id: ZId }))
    .mutation(({ ctx, input: { id, ...input } }) =>
      setGatewayAssignments({ ...ctx.scope, bus: ctx.services.bus, gatewayId: id, input }),
    ),
});

export const tokensRouter = router({
  list: protectedProcedure.query(({ ctx }) => listApiTokens(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateApiTokenRequest)
    .mutation(({ ctx, input }) => createApiToken({ ...ctx.scope, input })),
  revoke: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => revokeApiToken({ ...ctx.scope, bus: ctx.services.bus, tokenId: input.id })),
});
