import { createCallerFactory, router } from './init.ts';
import {
  gatewaysRouter,
  installationsRouter,
  registryRouter,
  tokensRouter,
} from './routers/control-plane.ts';
import { meRouter } from './routers/me.ts';
import { membersRouter } from './routers/members.ts';
import { teamsRouter } from './routers/teams.ts';

export const appRouter = router({
  me: meRouter,
  members: membersRouter,
  teams: teamsRouter,
  registry: registryRouter,
  installations: installationsRouter,
  gateways: gatewaysRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls: `createCaller(await createTrpcContext(...))`. */
export const createCaller = createCallerFactory(appRouter);
