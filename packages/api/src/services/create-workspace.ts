import { AppError, isAppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { createWorkspace as insertWorkspace } from '@toolgate/db/tenancy';
import { ZCreateWorkspaceRequest, type CreateWorkspaceRequest } from '../schemas/accounts.ts';
import { parseInput } from '../validation.ts';
import { SLUG_TAKEN } from './sign-up.ts';

/** A further workspace for a signed-in user (or the first for one who came through an IdP). */
import { requireSignupAllowed, type SignupMode } from '../signup-policy.ts';
export async function createWorkspace(
  db: Database,
  {
    userId,
    signupMode = 'open',
    ...input
  }: CreateWorkspaceRequest & { userId: string; signupMode?: SignupMode },
): Promise<{ tenantId: string; tenantSlug: string }> {
  requireSignupAllowed(signupMode, 'new-workspace');
  const { workspaceName, workspaceSlug } = parseInput(ZCreateWorkspaceRequest, input);
  try {
    const { tenantId } = await insertWorkspace(db, {
      slug: workspaceSlug,
      name: workspaceName,
      owner: { userId },
    });
    return { tenantId, tenantSlug: workspaceSlug };
  } catch (err) {
    if (isAppError(err) && err.code === 'CONFLICT') {
      throw new AppError('CONFLICT', SLUG_TAKEN, {
        fields: [{ path: 'workspaceSlug', message: SLUG_TAKEN }],
      });
    }
    throw err;
  }
}
