import { createCallerFactory, router } from './init.ts';
import { meRouter } from './routers/me.ts';
import { membersRouter } from './routers/members.ts';
import { teamsRouter } from './routers/teams.ts';

export const appRouter = router({
  me: meRouter,
  members: membersRouter,
  teams: teamsRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls: `createCaller(await createTrpcContext(...))`. */
export const createCaller = createCallerFactory(appRouter);
