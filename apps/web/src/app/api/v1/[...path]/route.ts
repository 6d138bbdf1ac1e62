import { handleRestRequest } from '@toolgate/api/rest/handle-rest-request';
import { controlPlaneServices, webContext } from '~/server/context';

export const dynamic = 'force-dynamic';

/** The REST API (/api/v1): routing, authentication and rules live in @toolgate/api. */
function handle(request: Request): Promise<Response> {
  const { db, log } = webContext();
  return handleRestRequest(request, { db: db.db, log, ...controlPlaneServices() });
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
