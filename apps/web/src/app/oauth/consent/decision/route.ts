import { handleConsentDecision } from '~/server/oauth/consent-decision';
import { withOAuthDeps } from '~/server/oauth/deps';
import { sessionUserId } from '~/server/oauth/session-user';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = (request: Request) =>
  withOAuthDeps((deps) => handleConsentDecision(deps, request, sessionUserId));
