import { AppError, isAppError } from '@toolgate/core/errors';
import { slugify } from '@toolgate/core/slug';
import type { Database } from '@toolgate/db/client';
import { insertTeam } from '@toolgate/db/tenancy';
import { requireAdmin, type Actor } from '../actor.ts';
import { ZCreateTeamRequest, type CreateTeamRequest, type Team } from '../schemas/teams.ts';
import { parseInput } from '../validation.ts';

export const TEAM_SLUG_TAKEN = 'A team with this slug already exists';

export async function createTeam(
  db: Database,
  { tenantId, actor, ...input }: CreateTeamRequest & { tenantId: string; actor: Actor },
): Promise<Team> {
  requireAdmin(actor, 'create teams');
  const { name, slug } = parseInput(ZCreateTeamRequest, {
    ...input,
    slug: input.slug || slugify(input.name),
  });
  try {
    return await insertTeam(db, { tenantId, name, slug: slug! });
  } catch (err) {
    if (isAppError(err) && err.code === 'CONFLICT') {
      throw new AppError('CONFLICT', TEAM_SLUG_TAKEN, {
        fields: [{ path: 'slug', message: TEAM_SLUG_TAKEN }],
      });
    }
    throw err;
  }
}
