import { ZServerLog, ZServerLogRequest } from '../../schemas/server-log.ts';
import { readServerLog } from '../../services/server-log/read-server-log.ts';
import { protectedProcedure, router } from '../init.ts';

/** A self-hosted server's log, read from the runner hosting it (as REST `GET /installations/{id}/log`). */
export const serverLogsRouter = router({
  get: protectedProcedure
    .input(ZServerLogRequest)
    .output(ZServerLog)
    .query(({ ctx, input: { id, variant } }) =>
      readServerLog({
        ...ctx.scope,
        runners: ctx.deps.runners,
        installationId: id,
        ...(variant ? { variant } : {}),
      }),
    ),
});
