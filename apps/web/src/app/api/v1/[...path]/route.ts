import { handleRestRequest } from '@toolgate/api/rest/handle-rest-request';
import { controlPlaneDeps } from '~/server/context';

export const dynamic = 'force-dynamic';

/** The REST API (/api/v1): routing, authentication and rules live in @toolgate/api. */
function handle(request: Request): Promise<Response> {
  return handleRestRequest(request, controlPlaneDeps());
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
