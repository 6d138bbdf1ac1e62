import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getServerSession } from 'next-auth';
import { authOptions } from '~/server/auth/options';
import { webSession } from '~/server/auth/web-session';
import { controlPlaneServices, webContext } from '~/server/context';
import { createTrpcContext, TENANT_HEADER } from '~/server/trpc/context';
import { appRouter } from '~/server/trpc/root';

export const dynamic = 'force-dynamic';

function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: async () => {
      const session = await getServerSession(authOptions());
      return createTrpcContext({
        db: webContext().db.db,
        services: controlPlaneServices(),
        session: webSession(session),
        tenantSlug: req.headers.get(TENANT_HEADER),
      });
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        webContext().log.error({ err: error.cause ?? error, path }, 'trpc procedure failed');
      }
    },
  });
}

export { handler as GET, handler as POST };
