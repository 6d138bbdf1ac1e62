import { OAuthError, RateLimitedError } from '@toolgate/auth/errors';
import type { AuthServerDeps } from '@toolgate/auth/deps';

/**
 * Browser-based MCP clients (the MCP Inspector, web agents) call discovery, registration, token and
 * revocation from another origin. None of these endpoints reads cookies, so any origin may call them.
 */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version',
  'access-control-max-age': '600',
  // Rate-limited answers say when to retry; browsers hide the header from scripts otherwise.
  'access-control-expose-headers': 'retry-after',
};

/** Token-bearing responses must never be cached (RFC 6749 §5.1). */
export const NO_STORE: Record<string, string> = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * Pages and redirects under /oauth: never framed (clickjacking the consent buttons), and no
 * Referer to other origins (URLs carry codes, state and consent tickets). `same-origin` rather
 * than `no-referrer`: with `no-referrer` browsers send `Origin: null` on the consent form's POST,
 * which the decision endpoint's same-origin check relies on. Mirrored in next.config.ts.
 */
export const FRAME_DENY_HEADERS: Record<string, string> = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

export const preflight = (): Response => new Response(null, { status: 204, headers: CORS_HEADERS });

export function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...CORS_HEADERS, ...headers } });
}

export function oauthJsonError(
  status: number,
  error: string,
  description?: string,
  headers: Record<string, string> = {},
): Response {
  return json(description ? { error, error_description: description } : { error }, status, {
    ...NO_STORE,
    ...headers,
  });
}

/** OAuthErrors become their JSON form; anything else is logged and becomes `server_error`. */
export function errorResponse(deps: Pick<AuthServerDeps, 'log'>, err: unknown): Response {
  if (err instanceof RateLimitedError) {
    return oauthJsonError(err.status, err.error, err.description, err.headers());
  }
  if (err instanceof OAuthError) return oauthJsonError(err.status, err.error, err.description);
  if (err instanceof BodyError) return oauthJsonError(err.status, err.error, err.message);
  deps.log?.error({ err }, 'oauth endpoint failed');
  return oauthJsonError(500, 'server_error', 'The authorization server failed to handle the request');
}

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** A bounded body: a declared or actual size above `maxBytes` is refused without reading the rest. */
async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  const tooLarge = () => new BodyError(413, 'invalid_request', `The request body exceeds ${maxBytes} bytes`);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new BodyError(400, 'invalid_request', 'The request body is not valid UTF-8');
  }
}

const mediaType = (request: Request): string =>
  (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/** RFC 6749 endpoints take `application/x-www-form-urlencoded` only. */
export async function readForm(request: Request, maxBytes = 16 * 1024): Promise<URLSearchParams> {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw new BodyError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded');
  }
  return new URLSearchParams(await readText(request, maxBytes));
}

/** RFC 7591 registration takes a JSON object. */
export async function readJson(request: Request, maxBytes = 16 * 1024): Promise<unknown> {
  if (mediaType(request) !== 'application/json') {
    throw new BodyError(400, 'invalid_client_metadata', 'The body must be application/json');
  }
  const text = await readText(request, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, 'invalid_client_metadata', 'The body is not valid JSON');
  }
}

/** A redirect that leaves no Referer behind and is never cached. */
export function redirect(location: string, status: 302 | 303 = 302): Response {
  return new Response(null, { status, headers: { location, ...NO_STORE, ...FRAME_DENY_HEADERS } });
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A small self-contained page for errors that must not go back to the client: the redirect URI or
 * client could not be trusted, so the user is told here instead.
 */
export function htmlErrorPage(status: number, title: string, message: string): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Toolgate</title>
<style>body{font-family:ui-sans-serif,system-ui,sans-serif;background:#f8fafc;color:#0f172a;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{max-width:28rem;padding:2rem}h1{font-size:1.5rem;letter-spacing:-.01em;margin:0 0 .5rem}p{color:#475569;font-size:.875rem;line-height:1.5}
.brand{font-weight:600;color:#4338ca;font-size:.875rem;margin-bottom:2rem}</style></head>
<body><main role="alert"><p class="brand">Toolgate</p><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p>Return to the application you came from and try again. If this keeps happening, tell its developer.</p></main></body></html>`;
  return new Response(html, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, ...FRAME_DENY_HEADERS },
  });
}
