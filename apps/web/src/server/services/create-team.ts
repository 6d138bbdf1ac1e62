import { AppError, isAppError } from '@toolgate/core/errors';
import { slugify } from '@toolgate/core/slug';
import type { Database } from '@toolgate/db/client';
import { insertTeam } from '@toolgate/db/tenancy';
import { canAdminister, type MemberRole } from '../../schemas/members.ts';
import { ZCreateTeamRequest, type CreateTeamRequest, type Team } from '../../schemas/teams.ts';
import { invalidInput } from './invalid-input.ts';

export const TEAM_SLUG_TAKEN = 'A team with this slug already exists';

export async function createTeam(
  db: Database,
  {
    tenantId,
    actor,
    ...input
  }: CreateTeamRequest & { tenantId: string; actor: { userId: string; role: MemberRole } },
): Promise<Team> {
  if (!canAdminister(actor.role)) throw new AppError('FORBIDDEN', 'only owners and admins can create teams');
  const parsed = ZCreateTeamRequest.safeParse({ ...input, slug: input.slug || slugify(input.name) });
  if (!parsed.success) throw invalidInput(parsed.error);
  const { name, slug } = parsed.data;
  try {
    return await insertTeam(db, { tenantId, name, slug: slug! });
  } catch (err) {
    if (isAppError(err) && err.code === 'CONFLICT') {
      throw new AppError('CONFLICT', TEAM_SLUG_TAKEN, { fields: { slug: TEAM_SLUG_TAKEN } });
    }
    throw err;
  }
}
