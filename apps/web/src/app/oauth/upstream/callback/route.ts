import { completeConnection } from '@toolgate/api/services/connections';
import { webEnv, webPlans } from '~/env';
import { webContext } from '~/server/context';
import { sessionUserId } from '~/server/oauth/session-user';
import { handleUpstreamCallback } from '~/server/oauth/upstream-callback';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(request: Request): Promise<Response> {
  const { db, bus, secretKeys } = webContext();
  const env = webEnv();
  return handleUpstreamCallback(
    {
      publicWebUrl: env.PUBLIC_WEB_URL,
      sessionUserId,
      complete: (userId, params) => {
        if (!secretKeys) throw new Error('TOOLGATE_SECRET_KEYS is not set');
        return completeConnection({
          db: db.db,
          bus,
          keys: secretKeys,
          userId,
          params,
          allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
          plans: webPlans(),
        });
      },
    },
    request,
  );
}
