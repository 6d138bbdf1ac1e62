import { ZApiToken, ZApiTokenList, ZCreateApiTokenRequest, ZCreatedApiToken } from '../schemas/tokens.ts';
import { createApiToken } from '../services/create-api-token.ts';
import { listApiTokens } from '../services/list-api-tokens.ts';
import { revokeApiToken } from '../services/revoke-api-token.ts';
import { route, scope, type Route } from './route.ts';

/** API tokens. */
export const TOKEN_ROUTES: readonly Route[] = [
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
