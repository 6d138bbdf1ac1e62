import { z } from 'zod';
import {
  ZDeleteWorkspaceRequest,
  ZRenameWorkspaceRequest,
  ZTransferOwnershipRequest,
  ZWorkspace,
} from '../../schemas/workspace.ts';
import { deleteWorkspace } from '../../services/delete-workspace.ts';
import { renameWorkspace } from '../../services/rename-workspace.ts';
import { transferOwnership } from '../../services/transfer-ownership.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * The workspace the request names: rename (owners and admins), hand over and delete (its owner).
 * The services check the caller's current role under the workspace lock.
 */
export const workspaceRouter = router({
  /** `{ name?, slug? }`; a new slug moves every gateway URL. */
  rename: protectedProcedure
    .input(ZRenameWorkspaceRequest)
    .output(ZWorkspace)
    .mutation(({ ctx, input }) => renameWorkspace({ ...ctx.scope, bus: ctx.deps.bus, input })),
  transferOwnership: protectedProcedure
    .input(ZTransferOwnershipRequest)
    .output(z.object({ ownerId: z.string() }))
    .mutation(({ ctx, input }) => transferOwnership({ ...ctx.scope, bus: ctx.deps.bus, input })),
  /** `{ confirmSlug }`: the workspace's slug, typed again. */
  delete: protectedProcedure
    .input(ZDeleteWorkspaceRequest)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => deleteWorkspace({ ...ctx.scope, bus: ctx.deps.bus, input })),
});
