import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import {
  ZCreateIdentityProviderRequest,
  ZSetJitUsersRequest,
  ZUpdateIdentityProviderRequest,
} from '../../schemas/identity-providers.ts';
import { ZCreateOAuthClientRequest } from '../../schemas/oauth.ts';
import { createIdentityProvider } from '../../services/create-identity-provider.ts';
import { createOAuthClient } from '../../services/create-oauth-client.ts';
import { deleteIdentityProvider } from '../../services/delete-identity-provider.ts';
import { deleteOAuthClient } from '../../services/delete-oauth-client.ts';
import { getJitUsers } from '../../services/get-jit-users.ts';
import { listIdentityProviders } from '../../services/list-identity-providers.ts';
import { listOAuthClients } from '../../services/list-oauth-clients.ts';
import { listOAuthGrants } from '../../services/list-oauth-grants.ts';
import { revokeOAuthGrant } from '../../services/revoke-oauth-grant.ts';
import { setJitUsers } from '../../services/set-jit-users.ts';
import { updateIdentityProvider } from '../../services/update-identity-provider.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Who may call the workspace's gateways besides API tokens: external identity providers, the
 * just-in-time users they bring, and the apps signed in through OAuth. Thin adapters; the
 * services decide roles and tenancy.
 */

const ZById = z.object({ id: ZId });

export const identityProvidersRouter = router({
  list: protectedProcedure.query(({ ctx }) => listIdentityProviders(ctx.scope)),
  create: protectedProcedure
    .input(ZCreateIdentityProviderRequest)
    .mutation(({ ctx, input }) =>
      createIdentityProvider({ ...ctx.scope, allowPrivate: ctx.deps.allowPrivateUpstreams ?? false, input }),
    ),
  update: protectedProcedure
    .input(z.object({ id: ZId, patch: ZUpdateIdentityProviderRequest }))
    .mutation(({ ctx, input }) =>
      updateIdentityProvider({
        ...ctx.scope,
        bus: ctx.deps.bus,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        identityProviderId: input.id,
        input: input.patch,
      }),
    ),
  delete: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteIdentityProvider({ ...ctx.scope, bus: ctx.deps.bus, identityProviderId: input.id }),
    ),
  /** "Create users on first sign-in from the identity provider". */
  jitUsers: protectedProcedure.query(({ ctx }) => getJitUsers(ctx.scope)),
  setJitUsers: protectedProcedure
    .input(ZSetJitUsersRequest)
    .mutation(({ ctx, input }) => setJitUsers({ ...ctx.scope, bus: ctx.deps.bus, input })),
});

export const oauthRouter = router({
  grants: protectedProcedure.query(({ ctx }) => listOAuthGrants(ctx.scope)),
  revokeGrant: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => revokeOAuthGrant({ ...ctx.scope, bus: ctx.deps.bus, grantId: input.id })),
  clients: protectedProcedure.query(({ ctx }) => listOAuthClients(ctx.scope)),
  createClient: protectedProcedure
    .input(ZCreateOAuthClientRequest)
    .mutation(({ ctx, input }) => createOAuthClient({ ...ctx.scope, input })),
  deleteClient: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => deleteOAuthClient({ ...ctx.scope, bus: ctx.deps.bus, clientId: input.id })),
});
