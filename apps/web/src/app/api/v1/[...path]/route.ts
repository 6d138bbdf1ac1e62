import { handleRestRequest } from '@toolgate/api/rest/handle-rest-request';
import { webEnv } from '~/env';
import { webContext } from '~/server/context';

export const dynamic = 'force-dynamic';

/** The REST API (/api/v1): routing, authentication and rules live in @toolgate/api. */
function handle(request: Request): Promise<Response> {
  const { db, bus, log, secretKeys } = webContext();
  const env = webEnv();
  return handleRestRequest(request, {
    db: db.db,
    bus,
    log,
    publicMcpUrl: env.PUBLIC_MCP_URL,
    secretKeys,
    allowPrivateUpstreams: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    allowStdio: env.TOOLGATE_ALLOW_STDIO,
  });
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
