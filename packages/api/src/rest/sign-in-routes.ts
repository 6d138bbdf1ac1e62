import { z } from 'zod';
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
import { route, scope, type Route } from './route.ts';

export const ZIdentityProviderList = z.object({ identityProviders: z.array(ZIdentityProvider) });
export const ZOAuthGrantList = z.object({ grants: z.array(ZOAuthGrant) });
export const ZOAuthClientList = z.object({ clients: z.array(ZOAuthClient) });

/** Sign-in: identity providers, OAuth grants and clients, and who becomes a member on first sign-in. */
export const SIGN_IN_ROUTES: readonly Route[] = [
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
];
