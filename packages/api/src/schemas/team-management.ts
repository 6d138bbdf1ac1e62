import { ZSlug } from '@toolgate/core/slug';
import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';

/** A team as `getTeam` and `updateTeam` answer it (JSON: timestamps as ISO strings). */
export const ZTeamDetail = z.object({
  id: ZId,
  slug: z.string(),
  name: z.string(),
  memberCount: z.number().int().nonnegative(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type TeamDetail = z.infer<typeof ZTeamDetail>;

/**
 * Fields to change; absent fields keep their value. The slug does not follow a new name: identity
 * providers' group claims may name the team by slug, so it changes only when asked.
 */
export const ZUpdateTeamRequest = z
  .strictObject({
    name: z.string().trim().min(1, 'Enter a team name').max(100, 'Use at most 100 characters').optional(),
    slug: z.string().trim().pipe(ZSlug).optional(),
  })
  .refine((t) => t.name !== undefined || t.slug !== undefined, 'name at least one field to change');
export type UpdateTeamRequest = z.input<typeof ZUpdateTeamRequest>;

/** `DELETE /teams/{id}?detach=true`. */
export const ZDeleteTeamQuery = z.strictObject({
  detach: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .meta({
      description:
        'Also take the team off its gateways and delete its installations and API tokens; ' +
        'without it a team still in use is a 409 naming what uses it',
    }),
});

export const ZTeamGatewayRef = z.object({ id: ZId, slug: z.string(), name: z.string() });
export const ZTeamInstallationRef = z.object({
  id: ZId,
  name: z.string(),
  registryEntryId: ZId,
  /** Gateways whose assignments are pinned to this installation: they lose those tools with it. */
  pinnedBy: z.array(z.object({ id: ZId, slug: z.string() })),
});
export const ZTeamTokenRef = z.object({ id: ZId, name: z.string() });

/** What uses a team: the details of the 409, and what `detach` took away. */
export const ZTeamUsage = z.object({
  /** Gateways shared with the team. */
  gateways: z.array(ZTeamGatewayRef),
  /** The team's installations (scope `team`). */
  installations: z.array(ZTeamInstallationRef),
  /** The team's live API tokens (scope `team`). */
  tokens: z.array(ZTeamTokenRef),
});
export type TeamUsage = z.infer<typeof ZTeamUsage>;

export const ZTeamDeletion = z.object({
  id: ZId,
  slug: z.string(),
  name: z.string(),
  /** What the deletion detached (gateways) and deleted (installations, tokens); empty when unused. */
  detached: ZTeamUsage,
});
export type TeamDeletion = z.infer<typeof ZTeamDeletion>;

/** A team in the REST listing (JSON: the creation time as an ISO string). */
export const ZTeamSummary = z.object({
  id: ZId,
  slug: z.string(),
  name: z.string(),
  memberCount: z.number().int().nonnegative(),
  createdAt: ZTimestamp,
});
export type TeamSummary = z.infer<typeof ZTeamSummary>;

export const ZTeamList = z.object({ teams: z.array(ZTeamSummary) });
