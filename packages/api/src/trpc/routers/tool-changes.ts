import { z } from 'zod';
import { ZId } from '../../schemas/common.ts';
import {
  ZDecideToolChangeRequest,
  ZListToolChangesQuery,
  ZSetToolPinningSettingsRequest,
  ZToolChange,
  ZToolChangeDecision,
  ZToolPinningSettings,
} from '../../schemas/tool-changes.ts';
import { decideToolChange } from '../../services/tool-changes/decide-tool-change.ts';
import { countPendingToolChanges, listToolChanges } from '../../services/tool-changes/list-tool-changes.ts';
import {
  getToolPinningSettings,
  setToolPinningSettings,
} from '../../services/tool-changes/tool-pinning-settings.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * Tool-definition pinning, as the REST API offers it (`/tool-changes`, `/settings/tool-pinning`).
 * Thin adapters: the services decide who reviews (owners and admins) and tenancy.
 */
export const toolChangesRouter = router({
  /** Oldest first; `status: 'rejected'` for those refused. */
  list: protectedProcedure
    .input(ZListToolChangesQuery.partial().optional())
    .output(z.array(ZToolChange))
    .query(({ ctx, input }) => listToolChanges({ ...ctx.scope, status: input?.status })),
  /** Changes waiting for review (0 for members): the navigation badge. */
  pendingCount: protectedProcedure
    .output(z.number().int())
    .query(({ ctx }) => countPendingToolChanges(ctx.scope)),
  decide: protectedProcedure
    .input(ZDecideToolChangeRequest.extend({ id: ZId }))
    .output(ZToolChangeDecision)
    .mutation(({ ctx, input: { id, ...decision } }) =>
      decideToolChange({ ...ctx.scope, bus: ctx.deps.bus, id, ...decision }),
    ),
  settings: protectedProcedure
    .output(ZToolPinningSettings)
    .query(({ ctx }) => getToolPinningSettings(ctx.scope)),
  setSettings: protectedProcedure
    .input(ZSetToolPinningSettingsRequest)
    .output(ZToolPinningSettings)
    .mutation(({ ctx, input }) => setToolPinningSettings({ ...ctx.scope, bus: ctx.deps.bus, input })),
});
