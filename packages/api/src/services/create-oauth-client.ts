import { createPreregisteredClient } from '@toolgate/auth/clients';
import { OAuthError } from '@toolgate/auth/errors';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { requireAdmin, type Actor } from '../actor.ts';
import {
  ZCreateOAuthClientRequest,
  type CreatedOAuthClient,
  type CreateOAuthClientRequest,
} from '../schemas/oauth.ts';
import { parseInput } from '../validation.ts';
import { loadClientViews } from '../views/oauth.ts';

export interface CreateOAuthClientOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  input: CreateOAuthClientRequest;
}

/**
 * Registers an OAuth client for this workspace (owners and admins), for apps that can neither
 * register themselves nor publish a metadata document. A confidential client's secret is in the
 * answer only.
 */
export async function createOAuthClient({
  db,
  tenantId,
  actor,
  input,
}: CreateOAuthClientOptions): Promise<CreatedOAuthClient> {
  requireAdmin(actor, 'register OAuth clients');
  const request = parseInput(ZCreateOAuthClientRequest, input);
  let created;
  try {
    created = await createPreregisteredClient({ db }, { tenantId, ...request, createdBy: actor.userId });
  } catch (err) {
    // The same redirect-URI and metadata rules as self-registration, reported as a form error.
    if (err instanceof OAuthError) throw new AppError('INVALID', err.description);
    throw err;
  }
  const [view] = await loadClientViews(db, tenantId, [created.client]);
  return { ...view!, clientSecret: created.clientSecret ?? null };
}
