import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import {
  ZCreateGuardrailRequest,
  ZGuardrail,
  ZGuardrailWithSecret,
  ZUpdateGuardrailRequest,
} from '../../schemas/guardrails.ts';
import {
  createGuardrail,
  deleteGuardrail,
  getGuardrail,
  listGuardrails,
  updateGuardrail,
} from '../../services/guardrails/index.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Guardrails (DLP detectors, the workspace's patterns, an external endpoint), as the REST API
 * offers them. Thin adapters: the services decide roles (members read; owners and admins write)
 * and tenancy. Field errors come as the policies' do, one message per top-level field: a bad
 * pattern in `data.fields.patterns`, a refused endpoint URL in `data.fields.external`, a taken name
 * in `data.fields.name` (REST's `error.fields` names the full path, `patterns.N.pattern`). Create
 * and update answer `signingSecret` only when one was just made.
 */

const ZById = z.object({ id: ZId });

export const guardrailsRouter = router({
  /** Ordered by name. */
  list: protectedProcedure.output(z.array(ZGuardrail)).query(({ ctx }) => listGuardrails(ctx.scope)),
  get: protectedProcedure
    .input(ZById)
    .output(ZGuardrail)
    .query(({ ctx, input }) => getGuardrail({ ...ctx.scope, guardrailId: input.id })),
  create: protectedProcedure
    .input(ZCreateGuardrailRequest)
    .output(ZGuardrailWithSecret)
    .mutation(({ ctx, input }) =>
      createGuardrail({
        ...ctx.scope,
        bus: ctx.deps.bus,
        secretKeys: ctx.deps.secretKeys,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        input,
      }),
    ),
  update: protectedProcedure
    .input(z.object({ id: ZId, patch: ZUpdateGuardrailRequest }))
    .output(ZGuardrailWithSecret)
    .mutation(({ ctx, input }) =>
      updateGuardrail({
        ...ctx.scope,
        bus: ctx.deps.bus,
        secretKeys: ctx.deps.secretKeys,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        guardrailId: input.id,
        input: input.patch,
      }),
    ),
  remove: protectedProcedure
    .input(ZById)
    .mutation(({ ctx, input }) =>
      deleteGuardrail({ ...ctx.scope, bus: ctx.deps.bus, guardrailId: input.id }),
    ),
});
