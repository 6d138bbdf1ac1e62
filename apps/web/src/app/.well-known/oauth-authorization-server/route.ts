import { withOAuthDeps } from '~/server/oauth/deps';
import { handleAuthorizationServerMetadata } from '~/server/oauth/discovery-endpoints';
import { preflight } from '~/server/oauth/http';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = () => withOAuthDeps(handleAuthorizationServerMetadata);
export const OPTIONS = preflight;
