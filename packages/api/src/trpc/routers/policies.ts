import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import {
  ZCreatePolicyRequest,
  ZPolicy,
  ZSetEntryToolLabelsRequest,
  ZSetToolLabelsRequest,
  ZUpdatePolicyRequest,
} from '../../schemas/policies.ts';
import { ZTool } from '../../schemas/installations.ts';
import { ZPolicyTestResult, ZTestPolicyRequest } from '../../schemas/policy-tester.ts';
import { ZRegistryEntry } from '../../schemas/registry.ts';
import { createPolicy } from '../../services/create-policy.ts';
import { deletePolicy } from '../../services/delete-policy.ts';
import { getPolicy } from '../../services/get-policy.ts';
import { listPolicies } from '../../services/list-policies.ts';
import { setEntryToolLabels } from '../../services/set-entry-tool-labels.ts';
import { setToolLabels } from '../../services/set-tool-labels.ts';
import { testPolicy } from '../../services/test-policy.ts';
import { updatePolicy } from '../../services/update-policy.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Tool-call policies and the tool labels they read, as the REST API offers them. Thin adapters:
 * the services decide roles (members read policies; owners and admins write policies and labels)
 * and tenancy. A condition that does not type-check fails with `data.fields.condition` (the form
 * field) and `data.details.condition` ({ message, offset, line, column }: the editor's marker).
 */

const ZById = z.object({ id: ZId });

export const policiesRouter = router({
  /** In evaluation order: priority descending, then name. */
  list: protectedProcedure.output(z.array(ZPolicy)).query(({ ctx }) => listPolicies(ctx.scope)),
  get: protectedProcedure
    .input(ZById)
    .output(ZPolicy)
    .query(({ ctx, input }) => getPolicy({ ...ctx.scope, policyId: input.id })),
  create: protectedProcedure
    .input(ZCreatePolicyRequest)
    .output(ZPolicy)
    .mutation(({ ctx, input }) => createPolicy({ ...ctx.scope, bus: ctx.deps.bus, input })),
  update: protectedProcedure
    .input(z.object({ id: ZId, patch: ZUpdatePolicyRequest }))
    .output(ZPolicy)
    .mutation(({ ctx, input }) =>
      updatePolicy({ ...ctx.scope, bus: ctx.deps.bus, policyId: input.id, input: input.patch }),
    ),
  remove: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) => deletePolicy({ ...ctx.scope, bus: ctx.deps.bus, policyId: input.id })),
  /** A draft replayed against a gateway's recent calls (REST `POST /policies/test`); stores nothing. */
  test: protectedProcedure
    .input(ZTestPolicyRequest)
    .output(ZPolicyTestResult)
    .mutation(({ ctx, input }) => testPolicy({ ...ctx.scope, input })),
});

export const toolsRouter = router({
  /** Replaces one installation tool's labels (REST `PATCH /installations/{id}/tools/{toolId}`). */
  setLabels: protectedProcedure
    .input(ZSetToolLabelsRequest.extend({ installationId: ZId, toolId: ZId }))
    .output(ZTool)
    .mutation(({ ctx, input: { installationId, toolId, ...input } }) =>
      setToolLabels({ ...ctx.scope, bus: ctx.deps.bus, installationId, toolId, input }),
    ),
  /** Labels tools of a tenant registry entry by name (REST `PATCH /registry/{id}/tool-labels`). */
  setEntryLabels: protectedProcedure
    .input(ZSetEntryToolLabelsRequest.extend({ entryId: ZId }))
    .output(ZRegistryEntry)
    .mutation(({ ctx, input: { entryId, ...input } }) =>
      setEntryToolLabels({ ...ctx.scope, bus: ctx.deps.bus, entryId, input }),
    ),
});
