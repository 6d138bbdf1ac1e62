import { type completeConnection, type CallbackParams } from '@toolgate/api/services/connections';
import { isAppError } from '@toolgate/core/errors';
import { connectionUrls } from '@toolgate/api/services/connections';
import { FRAME_DENY_HEADERS, NO_STORE } from './http.ts';

export interface UpstreamCallbackDeps {
  complete: (userId: string, params: CallbackParams) => ReturnType<typeof completeConnection>;
  publicWebUrl: string;
  sessionUserId: () => Promise<string | null>;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A small page for what went wrong: the user came from another site, so there is no app page to return to. */
function problemPage(message: string, base: string, status: number): Response {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Could not connect the account · Toolgate</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>Could not connect the account</h1><p id="problem">${escape(message)}</p>
<p><a href="${escape(base)}/t">Back to Toolgate</a></p></body></html>`;
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, ...FRAME_DENY_HEADERS },
  });
}

/**
 * Where upstream authorization servers send the user back (GET /oauth/upstream/callback): the
 * signed-in user's sign-in is completed and they land on Connected accounts; anything wrong is
 * said on a page, and nothing is saved.
 */
export async function handleUpstreamCallback(
  deps: UpstreamCallbackDeps,
  request: Request,
): Promise<Response> {
  const url = new URL(request.url);
  const base = deps.publicWebUrl.replace(/\/+$/, '');
  const userId = await deps.sessionUserId();
  if (!userId)
    return problemPage('Sign in to Toolgate first, then start connecting the account again.', base, 401);
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const params: CallbackParams = {
    ...(param('code') !== undefined ? { code: param('code') } : {}),
    ...(param('state') !== undefined ? { state: param('state') } : {}),
    ...(param('error') !== undefined ? { error: param('error') } : {}),
    ...(param('error_description') !== undefined ? { error_description: param('error_description') } : {}),
    ...(param('iss') !== undefined ? { iss: param('iss') } : {}),
  };
  try {
    const done = await deps.complete(userId, params);
    const page = new URL(connectionUrls(base).page(done.tenantSlug));
    page.searchParams.set('connected', done.connectionId);
    return new Response(null, {
      status: 303,
      headers: { location: page.href, ...NO_STORE, ...FRAME_DENY_HEADERS },
    });
  } catch (err) {
    if (isAppError(err)) return problemPage(err.message, base, err.httpStatus >= 500 ? 502 : 400);
    throw err;
  }
}
