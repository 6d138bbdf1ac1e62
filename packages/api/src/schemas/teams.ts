import { ZSlug } from '@toolgate/core/slug';
import { z } from 'zod';

export const ZCreateTeamRequest = z.object({
  name: z.string().trim().min(1, 'Enter a team name').max(100, 'Use at most 100 characters'),
  /** Derived from the name when omitted. */
  slug: z.string().trim().pipe(ZSlug).optional(),
});
export type CreateTeamRequest = z.input<typeof ZCreateTeamRequest>;

export const ZTeam = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  memberCount: z.number().int().nonnegative(),
  createdAt: z.date(),
});
export type Team = z.infer<typeof ZTeam>;
