import { handleToken } from '~/server/oauth/client-endpoints';
import { withOAuthDeps } from '~/server/oauth/deps';
import { preflight } from '~/server/oauth/http';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = (request: Request) => withOAuthDeps((deps) => handleToken(deps, request));
export const OPTIONS = preflight;
