import { ZRegistryEntry } from '../schemas/registry.ts';
import {
  ZCreatePolicyRequest,
  ZPolicy,
  ZPolicyList,
  ZSetEntryToolLabelsRequest,
  ZUpdatePolicyRequest,
} from '../schemas/policies.ts';
import { ZPolicyTestResult, ZTestPolicyRequest } from '../schemas/policy-tester.ts';
import { createPolicy } from '../services/create-policy.ts';
import { deletePolicy } from '../services/delete-policy.ts';
import { getPolicy } from '../services/get-policy.ts';
import { listPolicies } from '../services/list-policies.ts';
import { setEntryToolLabels } from '../services/set-entry-tool-labels.ts';
import { testPolicy } from '../services/test-policy.ts';
import { updatePolicy } from '../services/update-policy.ts';
import { route, scope, type Route } from './route.ts';

/**
 * Tool-call policies (`/policies…`), and the labels of a registry entry's tools they read
 * (`/registry/{id}/tool-labels`; an installation's tool is labelled on
 * `PATCH /installations/{id}/tools/{toolId}`).
 */
export const POLICY_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/policies',
    operationId: 'listPolicies',
    summary: 'List the workspace’s policies in evaluation order (priority descending, then name)',
    tag: 'Policies',
    status: 200,
    response: ZPolicyList,
    errors: [],
    handle: async (ctx) => ({ policies: await listPolicies(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/policies',
    operationId: 'createPolicy',
    summary:
      'Add a policy (owners and admins); a condition that does not type-check is a 422 whose `error.details.condition` gives its line, column and offset',
    tag: 'Policies',
    body: ZCreatePolicyRequest,
    status: 201,
    response: ZPolicy,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) => createPolicy({ ...scope(ctx), bus: ctx.deps.bus, input }),
  }),
  route({
    method: 'POST',
    path: '/policies/test',
    operationId: 'testPolicy',
    summary:
      'Replay a gateway’s last audited tool calls (at most 500, default 100) against its enabled policies with and without a draft policy (owners and admins); says per call what each decides and whether the draft changes it, and what the replay assumes. Stores nothing',
    tag: 'Policies',
    body: ZTestPolicyRequest,
    status: 200,
    response: ZPolicyTestResult,
    errors: [400, 404, 413, 422],
    handle: (ctx, input) => testPolicy({ ...scope(ctx), input }),
  }),
  route({
    method: 'GET',
    path: '/policies/{id}',
    operationId: 'getPolicy',
    summary: 'Get a policy',
    tag: 'Policies',
    status: 200,
    response: ZPolicy,
    errors: [404],
    handle: (ctx) => getPolicy({ ...scope(ctx), policyId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/policies/{id}',
    operationId: 'updatePolicy',
    summary: 'Change a policy (owners and admins); `gatewayIds: null` makes it apply to every gateway',
    tag: 'Policies',
    body: ZUpdatePolicyRequest,
    status: 200,
    response: ZPolicy,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      updatePolicy({ ...scope(ctx), bus: ctx.deps.bus, policyId: ctx.params.id!, input }),
  }),
  route({
    method: 'DELETE',
    path: '/policies/{id}',
    operationId: 'deletePolicy',
    summary: 'Remove a policy (owners and admins)',
    tag: 'Policies',
    status: 204,
    errors: [404],
    handle: (ctx) => deletePolicy({ ...scope(ctx), bus: ctx.deps.bus, policyId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/registry/{id}/tool-labels',
    operationId: 'setEntryToolLabels',
    summary:
      'Label tools of a tenant registry entry by tool name, on every installation of it (owners and admins): each tool named gets exactly these labels, `[]` clears them',
    tag: 'Registry',
    body: ZSetEntryToolLabelsRequest,
    status: 200,
    response: ZRegistryEntry,
    errors: [400, 404, 413, 422],
    handle: (ctx, input) =>
      setEntryToolLabels({ ...scope(ctx), bus: ctx.deps.bus, entryId: ctx.params.id!, input }),
  }),
];
