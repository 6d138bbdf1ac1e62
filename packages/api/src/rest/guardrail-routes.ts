import {
  ZCreateGuardrailRequest,
  ZGuardrail,
  ZGuardrailList,
  ZGuardrailWithSecret,
  ZUpdateGuardrailRequest,
} from '../schemas/guardrails.ts';
import {
  createGuardrail,
  deleteGuardrail,
  getGuardrail,
  listGuardrails,
  updateGuardrail,
} from '../services/guardrails/index.ts';
import { route, scope, type Route, type RouteContext } from './route.ts';

/** What writing an external endpoint needs: the key ring that seals its secret, and the SSRF switch. */
const endpointAccess = ({ deps }: RouteContext) => ({
  bus: deps.bus,
  secretKeys: deps.secretKeys,
  allowPrivate: deps.allowPrivateUpstreams ?? false,
});

/** Guardrails (`/guardrails…`): DLP detectors, the workspace's patterns and external endpoints. */
export const GUARDRAIL_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/guardrails',
    operationId: 'listGuardrails',
    summary: 'List the workspace’s guardrails, ordered by name (never with signing secrets)',
    tag: 'Guardrails',
    status: 200,
    response: ZGuardrailList,
    errors: [],
    handle: async (ctx) => ({ guardrails: await listGuardrails(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/guardrails',
    operationId: 'createGuardrail',
    summary:
      'Add a guardrail (owners and admins). A pattern RE2 cannot run is a 422 on `patterns.N.pattern`; an external endpoint must be https and public, and its signing secret is answered once, in `signingSecret`',
    tag: 'Guardrails',
    body: ZCreateGuardrailRequest,
    status: 201,
    response: ZGuardrailWithSecret,
    errors: [400, 404, 409, 413, 422, 503],
    handle: (ctx, input) => createGuardrail({ ...scope(ctx), ...endpointAccess(ctx), input }),
  }),
  route({
    method: 'GET',
    path: '/guardrails/{id}',
    operationId: 'getGuardrail',
    summary: 'Get a guardrail (never with its signing secret)',
    tag: 'Guardrails',
    status: 200,
    response: ZGuardrail,
    errors: [404],
    handle: (ctx) => getGuardrail({ ...scope(ctx), guardrailId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/guardrails/{id}',
    operationId: 'updateGuardrail',
    summary:
      'Change a guardrail (owners and admins); `gatewayIds: null` makes it apply to every gateway, `external: null` removes the endpoint and its secret. A new signing secret (an endpoint added, or `rotateSecret: true`) is answered once, in `signingSecret`',
    tag: 'Guardrails',
    body: ZUpdateGuardrailRequest,
    status: 200,
    response: ZGuardrailWithSecret,
    errors: [400, 404, 409, 413, 422, 503],
    handle: (ctx, input) =>
      updateGuardrail({ ...scope(ctx), ...endpointAccess(ctx), guardrailId: ctx.params.id!, input }),
  }),
  route({
    method: 'DELETE',
    path: '/guardrails/{id}',
    operationId: 'deleteGuardrail',
    summary: 'Remove a guardrail (owners and admins)',
    tag: 'Guardrails',
    status: 204,
    errors: [404],
    handle: (ctx) => deleteGuardrail({ ...scope(ctx), bus: ctx.deps.bus, guardrailId: ctx.params.id! }),
  }),
];
