import { createTrpcContext } from '@toolgate/api/trpc/context';
import { appRouter } from '@toolgate/api/trpc/root';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getServerSession } from 'next-auth';
import { authOptions } from '~/server/auth/options';
import { webSession } from '~/server/auth/web-session';
import { controlPlaneDeps, webContext } from '~/server/context';
import { TENANT_HEADER } from '~/trpc/tenant-header';

export const dynamic = 'force-dynamic';

function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: async () => {
      const session = await getServerSession(authOptions());
      return createTrpcContext({
        deps: controlPlaneDeps(),
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
