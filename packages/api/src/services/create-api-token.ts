import { generateApiToken } from '@toolgate/core/api-token';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { apiTokens } from '@toolgate/db/schema';
import { requireAdmin, type Actor } from '../actor.ts';
import { requireVerifiedEmail } from '../email-verification.ts';
import {
  ZCreateApiTokenRequest,
  type CreateApiTokenRequest,
  type CreatedApiToken,
} from '../schemas/tokens.ts';
import { requireTeamMaintainer } from '../team-access.ts';
import { requireGateways, requireTeams } from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { toApiToken } from '../views/rows.ts';

export interface CreateApiTokenOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  input: CreateApiTokenRequest;
}

/**
 * Issues an API token. User tokens act for the caller (anyone may create their own); org tokens
 * are for owners and admins, a team's tokens for them and the team's maintainers. The plaintext
 * is in the answer only: the database keeps its SHA-256.
 */
export async function createApiToken({
  db,
  tenantId,
  actor,
  input,
}: CreateApiTokenOptions): Promise<CreatedApiToken> {
  const request = parseInput(ZCreateApiTokenRequest, input);
  await requireVerifiedEmail(db, actor, 'creating API tokens');
  if (request.scope === 'org') requireAdmin(actor, 'create org tokens');
  if (request.scope === 'team')
    await requireTeamMaintainer(db, tenantId, actor, request.teamId!, "create the team's tokens");
  if (request.scope === 'user' && !actor.userId)
    throw new AppError('INVALID', 'A user token acts for a user; this caller acts for no user', {
      fields: [{ path: 'scope', message: 'use org or team with a token that acts for no user' }],
    });
  if (request.teamId) await requireTeams(db, tenantId, [request.teamId]);
  if (request.gatewayIds) await requireGateways(db, tenantId, request.gatewayIds);
  const expiresAt = request.expiresAt ? new Date(request.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= Date.now())
    throw new AppError('INVALID', 'expiresAt: must be in the future', {
      fields: [{ path: 'expiresAt', message: 'must be in the future' }],
    });

  const token = generateApiToken();
  const [row] = await db
    .insert(apiTokens)
    .values({
      tenantId,
      name: request.name,
      tokenHash: token.hash,
      displayPrefix: token.displayPrefix,
      scope: request.scope,
      userId: request.scope === 'user' ? actor.userId : null,
      teamId: request.scope === 'team' ? request.teamId! : null,
      capabilities: request.capabilities,
      gatewayIds: request.gatewayIds,
      createdBy: actor.userId,
      expiresAt,
    })
    .returning();
  return { ...toApiToken(row!), token: token.token };
}
