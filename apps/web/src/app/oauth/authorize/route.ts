import { handleAuthorize } from '~/server/oauth/authorize-endpoint';
import { withOAuthDeps } from '~/server/oauth/deps';
import { sessionUserId } from '~/server/oauth/session-user';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = (request: Request) =>
  withOAuthDeps((deps) => handleAuthorize(deps, request, sessionUserId));
