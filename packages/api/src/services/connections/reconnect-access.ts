import { AppError } from '@toolgate/core/errors';
import type { Executor } from '@toolgate/db/config-outbox';
import type { installations } from '@toolgate/db/schema';
import type { Actor } from '../../actor.ts';
import { requireInstallationManager } from '../../installation-access.ts';

export const RECONNECT_PERSONAL_REFUSED =
  'Only the member whose account this is may reconnect it; owners and admins may disconnect it';

/**
 * FORBIDDEN unless the actor may sign an account in to this installation again. A personal
 * installation is its user's alone: anyone else's sign-in would put their own account behind
 * that user's calls, or the user's account in their hands. So only its user reconnects it, even
 * where owners and admins manage it (they keep disconnecting it). A team's or the organization's
 * is reconnected by whoever manages it.
 */
export async function requireReconnectable(
  db: Executor,
  tenantId: string,
  actor: Actor,
  installation: typeof installations.$inferSelect,
): Promise<void> {
  if (installation.scope !== 'personal')
    return requireInstallationManager(db, tenantId, actor, installation, 'reconnect this account');
  if (actor.userId === null || installation.userId !== actor.userId)
    throw new AppError('FORBIDDEN', RECONNECT_PERSONAL_REFUSED);
}
