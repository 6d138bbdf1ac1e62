import { z } from 'zod';
import { ZWorkspaceSlug } from './accounts.ts';
import { ZId, ZName } from './common.ts';

export const ZWorkspace = z.object({ id: ZId, slug: z.string(), name: z.string() });
export type Workspace = z.infer<typeof ZWorkspace>;

/**
 * A new slug changes every gateway URL of the workspace (`/mcp/{slug}/…`): clients must be told.
 * Reserved slugs are refused as at sign-up.
 */
export const ZRenameWorkspaceRequest = z
  .strictObject({ name: ZName.optional(), slug: ZWorkspaceSlug.optional() })
  .refine((r) => r.name !== undefined || r.slug !== undefined, { message: 'give a new name or slug' });
export type RenameWorkspaceRequest = z.input<typeof ZRenameWorkspaceRequest>;

export const ZTransferOwnershipRequest = z.strictObject({ userId: ZId });
export type TransferOwnershipRequest = z.input<typeof ZTransferOwnershipRequest>;

/** The workspace's slug, typed again: deleting is not undone. */
export const ZDeleteWorkspaceRequest = z.strictObject({ confirmSlug: z.string().max(200) });
export type DeleteWorkspaceRequest = z.input<typeof ZDeleteWorkspaceRequest>;
