import type { z } from 'zod';
import type { AuthenticatedCaller } from '../services/authenticate-api-token.ts';
import type { RestDeps } from './deps.ts';

/** One route of the REST API: its place, its schemas, its documented answers, and its handler. */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RouteTag =
  | 'Account'
  | 'Workspace'
  | 'Registry'
  | 'Installations'
  | 'Connections'
  | 'Installation requests'
  | 'Gateways'
  | 'Policies'
  | 'Guardrails'
  | 'Approvals'
  | 'Tool changes'
  | 'Tokens'
  | 'Teams'
  | 'Members'
  | 'Sign-in'
  | 'Usage'
  | 'Billing';

export interface RouteContext {
  deps: RestDeps;
  caller: AuthenticatedCaller;
  /** Path parameters, already checked to be UUIDs. */
  params: Record<string, string>;
  /** The query string parsed with the route's `query` schema; undefined for routes without one. */
  query?: unknown;
}

export interface Route {
  method: HttpMethod;
  /** Under the base path, with `{param}` segments (OpenAPI style). */
  path: string;
  operationId: string;
  summary: string;
  tag: RouteTag;
  body?: z.ZodType;
  /** Query-string parameters (an object schema of strings, coerced); unknown ones are refused. */
  query?: z.ZodType;
  status: 200 | 201 | 204;
  /** Absent for 204. */
  response?: z.ZodType;
  /** Error statuses this route answers besides 401/403 (every route) and 500. */
  errors: readonly (400 | 402 | 404 | 409 | 413 | 422 | 429 | 502 | 503)[];
  handle(ctx: RouteContext, body: unknown): Promise<unknown>;
}

/** Keeps `handle`'s body and query typed as the schemas' output while the table stays homogeneous. */
export function route<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(
  def: Omit<Route, 'body' | 'query' | 'handle'> & {
    body?: B;
    query?: Q;
    handle(
      ctx: RouteContext & { query: Q extends z.ZodType ? z.output<Q> : undefined },
      body: B extends z.ZodType ? z.output<B> : undefined,
    ): Promise<unknown>;
  },
): Route {
  return def;
}

/** Options every service call gets from the request. */
export const scope = ({ deps, caller }: RouteContext) => ({
  db: deps.db,
  tenantId: caller.tenantId,
  actor: caller.actor,
  plans: deps.plans,
});
