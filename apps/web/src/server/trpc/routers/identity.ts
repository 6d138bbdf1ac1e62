import { ZId } from '@toolgate/api/schemas/common';
import {
  ZCreateIdentityProviderRequest,
  ZSetJitUsersRequest,
  ZUpdateIdentityProviderRequest,
} from '@toolgate/api/schemas/identity-providers';
import { ZCreateOAuthClientRequest } from '@toolgate/api/schemas/oauth';
import { createIdentityProvider } from '@toolgate/api/services/create-identity-provider';
import { createOAuthClient } from '@toolgate/api/services/create-oauth-client';
import { deleteIdentityProvider } from '@toolgate/api/services/delete-identity-provider';
import { deleteOAuthClient } from '@toolgate/api/services/delete-oauth-client';
import { getJitUsers } from '@toolgate/api/services/get-jit-users';
import { listIdentityProviders } from '@toolgate/api/services/list-identity-providers';
import { listOAuthClients } from '@toolgate/api/services/list-oauth-clients';
import { listOAuthGrants } from '@toolgate/api/services/list-oauth-grants';
import { revokeOAuthGrant } from '@toolgate/api/services/revoke-oauth-grant';
import { setJitUsers } from '@toolgate/api/services/set-jit-users';
import { updateIdentityProvider } from '@toolgate/api/services/update-identity-provider';
import { z } from 'zod';
import { protectedProcedure, router } from '../init.ts';

/*
 * Who may call the workspace's gateways besides API tokens: external identity providers, the
 * just-in-time users they bring, and the apps signed in through OAuth. Thin adapters; the
 * services of @toolgate/api decide roles and tenancy.
 */

const ZById = z.object({ id: ZId });

export const identityProvidersRouter = router({
  list: protectedProcedure.query(({ ctx }) => listIdentityProviders(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateIdentityProviderRequest)
    .mutation(({ ctx, input }) =>
      createIdentityProvider({ ...ctx.scope, allowPrivate: ctx.services.allowPrivateUpstreams, input }),
    ),
  update: protectedProcedure
    .input(z.object({ id: ZId, patch: ZUpdateIdentityProviderRequest }))
    .mutation(({ ctx, input }) =>
      updateIdentityProvider({
        ...ctx.scope,
        bus: ctx.services.bus,
        allowPrivate: ctx.services.allowPrivateUpstreams,
        identityProviderId: input.id,
        input: input.patch,
      }),
    ),
  delete: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteIdentityProvider({ ...ctx.scope, bus: ctx.services.bus, identityProviderId: input.id }),
    ),
  /** "Create users on first sign-in from the identity provider". */
  jitUsers: protectedProcedure.query(({ ctx }) => getJitUsers(ctx.scope)),
  setJitUsers: protectedProcedure
    .input(ZSetJitUsersRequest)
    .mutation(({ ctx, input }) => setJitUsers({ ...ctx.scope, bus: ctx.services.bus, input })),
});

export const oauthRouter = router({
  grants: protectedProcedure.query(({ ctx }) => listOAuthGrants(ctx.scope)),
  revokeGrant: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      revokeOAuthGrant({ ...ctx.scope, bus: ctx.services.bus, grantId: input.id }),
    ),
  clients: protectedProcedure.query(({ ctx }) => listOAuthClients(ctx.scope)),
  createClient: protectedProcedure
    .input(ZCreateOAuthClientRequest)
    .mutation(({ ctx, input }) => createOAuthClient({ ...ctx.scope, input })),
  deleteClient: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteOAuthClient({ ...ctx.scope, bus: ctx.services.bus, clientId: input.id }),
    ),
});
