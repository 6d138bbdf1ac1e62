import { ZServerLog, ZServerLogQuery } from '../schemas/server-log.ts';
import { readServerLog } from '../services/server-log/read-server-log.ts';
import { route, scope, type Route } from './route.ts';

/** A self-hosted server's log, read from the runner hosting it (`/installations/{id}/log`). */
export const SERVER_LOG_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/installations/{id}/log',
    operationId: 'getServerLog',
    summary:
      "A self-hosted (stdio) server's recent log and state, from the runner hosting it (those who manage the installation): what it wrote to stderr, secrets redacted, and what the runner did (started, stopped, crashed, why a start failed). 409 for a remote server or an installation without a canary (`variant=canary`); 503 when this deployment has no runners or the runner cannot be reached",
    tag: 'Installations',
    query: ZServerLogQuery,
    status: 200,
    response: ZServerLog,
    errors: [404, 409, 422, 503],
    handle: (ctx) =>
      readServerLog({
        ...scope(ctx),
        runners: ctx.deps.runners,
        installationId: ctx.params.id!,
        ...(ctx.query.variant ? { variant: ctx.query.variant } : {}),
      }),
  }),
];
