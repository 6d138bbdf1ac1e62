import { z } from 'zod';
import { ZCreateTeamRequest, ZTeam } from '../../schemas/teams.ts';
import { createTeam } from '../../services/create-team.ts';
import { listTeams } from '../../services/list-teams.ts';
import { adminProcedure, protectedProcedure, router } from '../init.ts';

export const teamsRouter = router({
  list: protectedProcedure
    .output(z.array(ZTeam))
    .query(({ ctx }) => listTeams(ctx.deps.db, { tenantId: ctx.tenantId })),
  create: adminProcedure
    .input(ZCreateTeamRequest)
    .output(ZTeam)
    .mutation(({ ctx, input }) =>
      createTeam(ctx.deps.db, { tenantId: ctx.tenantId, actor: ctx.actor, ...input }),
    ),
});
