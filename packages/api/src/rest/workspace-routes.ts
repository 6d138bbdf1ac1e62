import { z } from 'zod';
import { ZRenameWorkspaceRequest, ZTransferOwnershipRequest, ZWorkspace } from '../schemas/workspace.ts';
import { deleteWorkspace } from '../services/delete-workspace.ts';
import { renameWorkspace } from '../services/rename-workspace.ts';
import { transferOwnership } from '../services/transfer-ownership.ts';
import { route, scope, type Route } from './route.ts';

const ZDeleteWorkspaceQuery = z.strictObject({ confirm: z.string().max(200).default('') });

/** The workspace the token belongs to: rename, hand over, delete. */
export const WORKSPACE_ROUTES: Route[] = [
  route({
    method: 'PATCH',
    path: '/workspace',
    operationId: 'renameWorkspace',
    summary:
      'Rename the workspace (owners and admins). A new slug changes every gateway URL (/mcp/{slug}/…): clients using the old one stop working',
    tag: 'Workspace',
    body: ZRenameWorkspaceRequest,
    status: 200,
    response: ZWorkspace,
    errors: [400, 409, 413, 422],
    handle: (ctx, input) => renameWorkspace({ ...scope(ctx), bus: ctx.deps.bus, input }),
  }),
  route({
    method: 'POST',
    path: '/workspace/transfer-ownership',
    operationId: 'transferOwnership',
    summary: 'Make another member the owner (an owner only); the caller stays on as an admin',
    tag: 'Workspace',
    body: ZTransferOwnershipRequest,
    status: 200,
    response: z.object({ ownerId: z.string() }),
    errors: [400, 404, 413, 422],
    handle: (ctx, input) => transferOwnership({ ...scope(ctx), bus: ctx.deps.bus, input }),
  }),
  route({
    method: 'DELETE',
    path: '/workspace',
    operationId: 'deleteWorkspace',
    summary:
      'Delete the workspace (an owner only; `confirm` = its slug). It stops serving at once; its data, audit included, is purged by the worker',
    tag: 'Workspace',
    query: ZDeleteWorkspaceQuery,
    status: 204,
    errors: [422],
    handle: async (ctx) => {
      await deleteWorkspace({ ...scope(ctx), bus: ctx.deps.bus, input: { confirmSlug: ctx.query.confirm } });
    },
  }),
];
