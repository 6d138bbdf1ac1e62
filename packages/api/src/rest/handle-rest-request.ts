import { AppError } from '@toolgate/core/errors';
import type { z } from 'zod';
import { UUID_PATTERN } from '../schemas/common.ts';
import { authenticateApiToken } from '../services/authenticate-api-token.ts';
import { parseInput } from '../validation.ts';
import type { RestDeps } from './deps.ts';
import { errorResponse, HttpError, jsonResponse, WWW_AUTHENTICATE } from './http-errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './read-json-body.ts';
import { ROUTES, type Route } from './routes.ts';

export type { RestDeps } from './deps.ts';

const DEFAULT_BASE_PATH = '/api/v1';

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  params: string[];
}

const COMPILED: CompiledRoute[] = ROUTES.map((route) => {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
});

const openApiDocuments = new Map<string, string>();

/**
 * The REST API (`/api/v1`) on the Fetch API, for any host: Next route handlers, tests, a plain
 * Node server. Routing, authentication, body parsing and error shaping live here; every rule
 * lives in a service.
 */
export async function handleRestRequest(request: Request, deps: RestDeps): Promise<Response> {
  try {
    return await dispatch(request, deps);
  } catch (err) {
    return errorResponse(err, deps.log);
  }
}

async function dispatch(request: Request, deps: RestDeps): Promise<Response> {
  const basePath = (deps.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
  const url = new URL(request.url);
  const { pathname } = url;
  if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) throw routeNotFound(pathname);
  const path = pathname.slice(basePath.length).replace(/\/+$/, '') || '/';

  if (path === '/openapi.json') {
    if (request.method !== 'GET') throw methodNotAllowed(['GET']);
    let doc = openApiDocuments.get(basePath);
    if (!doc) {
      doc = JSON.stringify(buildOpenApiDocument(ROUTES, basePath));
      openApiDocuments.set(basePath, doc);
    }
    return new Response(doc, { headers: { 'content-type': 'application/json; charset=utf-8' } });
  }

  const matches = COMPILED.flatMap((c) => {
    const m = c.pattern.exec(path);
    return m ? [{ ...c, values: m.slice(1) }] : [];
  });
  if (matches.length === 0) throw routeNotFound(pathname);
  const match = matches.find((m) => m.route.method === request.method);
  if (!match) throw methodNotAllowed(matches.map((m) => m.route.method));

  const caller = await authenticateApiToken({
    db: deps.db,
    token: bearerToken(request),
    capability: 'admin',
  });

  const params: Record<string, string> = {};
  for (const [i, name] of match.params.entries()) {
    const value = match.values[i]!;
    // An id that cannot exist names nothing: not found, like another tenant's id.
    if (!UUID_PATTERN.test(value)) throw new AppError('NOT_FOUND', `No object with id "${quoted(value)}"`);
    params[name] = value.toLowerCase();
  }

  const { route } = match;
  const query = route.query ? parseQuery(route.query, url.searchParams) : undefined;
  const body = route.body
    ? parseInput(route.body, await readJsonBody(request, deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES))
    : undefined;

  const result = await route.handle({ deps, caller, params, query }, body);
  if (route.status === 204)
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  return jsonResponse(route.status, result);
}

/**
 * The query string through the route's schema: each parameter once (a repeated one is an array,
 * which the schema refuses); failures are 422 naming the parameter, like body fields.
 */
function parseQuery(schema: z.ZodType, searchParams: URLSearchParams): unknown {
  // A Map, then own properties: a parameter named __proto__ is just an unknown parameter.
  const raw = new Map<string, string | string[]>();
  for (const [name, value] of searchParams) {
    const seen = raw.get(name);
    raw.set(name, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]);
  }
  return parseInput(schema, Object.fromEntries(raw));
}

function bearerToken(request: Request): string {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  // No credentials at all: a bare challenge, without an error code (RFC 6750 §3.1).
  if (!match)
    throw new HttpError(
      401,
      'UNAUTHORIZED',
      'Send an API token with the admin capability: "Authorization: Bearer tg_…"',
      { 'www-authenticate': WWW_AUTHENTICATE },
    );
  return match[1]!;
}

/** A path or path segment as a message may repeat it: not 5 kB of it. */
const quoted = (value: string) => (value.length > 200 ? `${value.slice(0, 200)}…` : value);

const routeNotFound = (pathname: string) =>
  new HttpError(404, 'NOT_FOUND', `No route for ${quoted(pathname)}`);

const methodNotAllowed = (allowed: string[]) =>
  new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
