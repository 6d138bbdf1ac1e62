import {
  authorizeErrorRedirect,
  nextAuthorizationStep,
  validateAuthorizationRequest,
  type ValidatedAuthorization,
} from '@toolgate/auth/authorize';
import type { AuthServerDeps } from '@toolgate/auth/deps';
import { AuthorizeError, RateLimitedError } from '@toolgate/auth/errors';
import { clientAddress } from './client-address.ts';
import { sealConsentTicket } from './consent-ticket.ts';
import type { OAuthEndpointDeps } from './deps.ts';
import { htmlErrorPage, redirect } from './http.ts';

/** The signed-in user's id, or null; read only once the request itself is known to be sound. */
export type SessionUser = () => Promise<string | null>;

/** Errors the user sees on our page because the client or its redirect URI cannot be trusted. */
export function authorizeErrorPage(err: AuthorizeError): Response {
  const title =
    err.error === 'invalid_client' ? 'Unknown application' : 'This sign-in request cannot be completed';
  return htmlErrorPage(
    400,
    title,
    `The application sent an invalid authorization request: ${err.description}.`,
  );
}

/** Redirectable errors go back to the client (with `state` and `iss`); the rest are shown here. */
function failure(deps: AuthServerDeps, err: unknown, v?: ValidatedAuthorization): Response {
  if (err instanceof RateLimitedError) {
    const page = htmlErrorPage(429, 'Too many requests', err.description);
    for (const [name, value] of Object.entries(err.headers())) page.headers.set(name, value);
    return page;
  }
  if (err instanceof AuthorizeError) {
    const target = v ?? err.target;
    if (err.redirectable && target) return redirect(authorizeErrorRedirect(target, err));
    return authorizeErrorPage(err);
  }
  deps.log?.error({ err }, 'oauth authorize failed');
  return htmlErrorPage(500, 'Something went wrong', 'We could not process this authorization request.');
}

/**
 * GET /oauth/authorize. Validates the request, sends a signed-out user to sign in (and back here),
 * then either issues a code at once (consent remembered) or shows the consent page, which receives
 * the validated request sealed to this user rather than the raw parameters. `prompt` decides
 * between them as nextAuthorizationStep describes (`prompt=none` never shows a page).
 */
export async function handleAuthorize(
  deps: OAuthEndpointDeps,
  request: Request,
  sessionUser: SessionUser,
): Promise<Response> {
  const url = new URL(request.url);
  let v: ValidatedAuthorization;
  try {
    v = await validateAuthorizationRequest(deps, url.searchParams, {
      requester: clientAddress(request, deps.trustedProxyHops ?? 0),
    });
  } catch (err) {
    return failure(deps, err);
  }
  try {
    const userId = await sessionUser();
    const step = await nextAuthorizationStep(deps, v, userId);
    if (step.kind === 'redirect') return redirect(step.location);
    if (step.kind === 'sign-in' || !userId) {
      const back = `${url.pathname}${url.search}`;
      return redirect(`${deps.issuer}/signin?callbackUrl=${encodeURIComponent(back)}`);
    }
    const ticket = sealConsentTicket(deps.keys, v, userId, deps.now?.());
    return redirect(`${deps.issuer}/oauth/consent?ticket=${encodeURIComponent(ticket)}`);
  } catch (err) {
    return failure(deps, err, v);
  }
}
