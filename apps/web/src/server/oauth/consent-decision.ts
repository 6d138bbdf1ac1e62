import { approveAuthorization, authorizeErrorRedirect, denyAuthorization } from '@toolgate/auth/authorize';
import type { AuthServerDeps } from '@toolgate/auth/deps';
import { AuthorizeError } from '@toolgate/auth/errors';
import { openConsentTicket, verifyConsentCsrfToken } from './consent-ticket.ts';
import { BodyError, htmlErrorPage, readForm, redirect } from './http.ts';
import type { SessionUser } from './authorize-endpoint.ts';

/**
 * The form must come from our own consent page. Browsers send `Sec-Fetch-Site` and `Origin` on a
 * form POST; either one naming another site is refused, and so is a request carrying neither.
 */
export function isSameOriginPost(request: Request, issuer: string): boolean {
  const site = request.headers.get('sec-fetch-site');
  const origin = request.headers.get('origin');
  if (site !== null && site !== 'same-origin') return false;
  if (origin !== null && origin !== 'null' && origin !== new URL(issuer).origin) return false;
  return site === 'same-origin' || (origin !== null && origin !== 'null');
}

const forbidden = (message: string) => htmlErrorPage(403, 'This request was refused', message);

/**
 * POST /oauth/consent/decision: the user's Approve or Deny on the consent page. Checks that the
 * post is same-origin, carries the CSRF token of this ticket and session, and that the signed-in
 * user is the one the ticket was sealed for; then 303 to the client with a code or access_denied.
 */
export async function handleConsentDecision(
  deps: AuthServerDeps,
  request: Request,
  sessionUser: SessionUser,
): Promise<Response> {
  if (!isSameOriginPost(request, deps.issuer)) {
    return forbidden('The consent form was not submitted from this site.');
  }
  let form: URLSearchParams;
  try {
    form = await readForm(request, 32 * 1024);
  } catch (err) {
    if (err instanceof BodyError) return htmlErrorPage(err.status, 'Bad request', err.message);
    throw err;
  }
  const sealed = form.get('ticket') ?? '';
  const now = deps.now?.();
  const ticket = sealed ? openConsentTicket(deps.keys, sealed, now) : null;
  if (!ticket) {
    return htmlErrorPage(
      400,
      'This request has expired',
      'The authorization request is no longer valid (it lasts ten minutes).',
    );
  }
  const userId = await sessionUser();
  if (!userId || userId !== ticket.userId) {
    return forbidden('You are not signed in as the account this request was shown to.');
  }
  if (!verifyConsentCsrfToken(deps.keys, sealed, userId, form.get('csrf'))) {
    return forbidden('The consent form could not be verified. Reload the application and try again.');
  }
  const v = ticket.request;
  const decision = form.get('decision');
  if (decision === 'deny') return redirect(denyAuthorization(v), 303);
  if (decision !== 'approve') return htmlErrorPage(400, 'Bad request', 'Choose Approve or Deny.');
  try {
    // approveAuthorization re-checks membership and gateway sharing, which may have changed
    // while the page was open.
    return redirect(await approveAuthorization(deps, v, userId), 303);
  } catch (err) {
    if (err instanceof AuthorizeError && err.redirectable) {
      return redirect(authorizeErrorRedirect(v, err), 303);
    }
    deps.log?.error({ err }, 'oauth consent approval failed');
    return htmlErrorPage(500, 'Something went wrong', 'We could not complete this authorization.');
  }
}
