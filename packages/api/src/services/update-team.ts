import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { teams } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import { ZUpdateTeamRequest, type TeamDetail, type UpdateTeamRequest } from '../schemas/team-management.ts';
import { TEAM_NOT_FOUND } from '../team-access.ts';
import { parseInput } from '../validation.ts';
import { toTeamDetail } from '../views/team.ts';
import { TEAM_SLUG_TAKEN } from './create-team.ts';

export interface UpdateTeamOptions {
  db: Database;
  /** Identity providers' group claims name teams by slug or name: proxies map their callers afresh. */
  bus: Bus;
  tenantId: string;
  actor: Actor;
  teamId: string;
  input: UpdateTeamRequest;
}

/**
 * Renames a team (owners and admins). The slug changes only when given: nothing derives it from
 * the name after creation, and an identity provider's group claim may name the team by its slug
 * (or its name), so either change is sent to every proxy, which maps identity-provider callers to
 * teams afresh. Gateways, installations and tokens refer to the team by id and are unaffected.
 */
export async function updateTeam({
  db,
  bus,
  tenantId,
  actor,
  teamId,
  input,
}: UpdateTeamOptions): Promise<TeamDetail> {
  requireAdmin(actor, 'rename teams');
  const patch = parseInput(ZUpdateTeamRequest, input);
  try {
    const { row, recorded } = await db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(teams)
        .where(and(eq(teams.tenantId, tenantId), eq(teams.id, teamId)))
        .for('update');
      if (!current) throw new AppError('NOT_FOUND', TEAM_NOT_FOUND);
      const name = patch.name ?? current.name;
      const slug = patch.slug ?? current.slug;
      if (name === current.name && slug === current.slug) return { row: current, recorded: [] };
      const [updated] = await tx
        .update(teams)
        .set({ name, slug, updatedAt: new Date() })
        .where(and(eq(teams.tenantId, tenantId), eq(teams.id, teamId)))
        .returning();
      const change = { tenantId, reason: 'team renamed', tenantWide: true };
      return { row: updated!, recorded: [await recordConfigChange(tx, change)] };
    });
    await deliverChanges(db, bus, recorded);
    return await toTeamDetail(db, row);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError('CONFLICT', TEAM_SLUG_TAKEN, {
        fields: [{ path: 'slug', message: TEAM_SLUG_TAKEN }],
      });
    throw err;
  }
}
