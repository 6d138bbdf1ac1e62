import { z } from 'zod';
import { ZErrorResponse } from '../schemas/common.ts';
import type { Route } from './routes.ts';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) of a zod schema, as a request or a response. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The body is not JSON (or not UTF-8), or nests objects and arrays more than 64 levels deep',
  401: 'Missing, invalid, expired or revoked API token',
  402:
    "The workspace's plan allows no more of these (`error.code` PLAN_LIMIT; `error.details` names the limit, " +
    'the plan, the maximum and the current count)',
  403:
    "The token lacks the admin capability, the caller's role does not allow this, or the caller's email " +
    'address is not verified yet (`error.details.reason` is `email-unverified`)',
  404: 'No such object in this tenant',
  409: 'Conflicts with existing objects (slug taken, tool names collide, still in use); `error.details` says which',
  413: 'The body is too large',
  422:
    'The body or query string fails validation (text with NUL characters or unpaired surrogates included); ' +
    '`error.fields` names each failing field',
  429: 'Too many requests of this kind; `Retry-After` (and `error.details.retryAfterSeconds`) says when to try again',
  500: 'Unexpected server error',
  502: 'The MCP server (or its authorization server) refused or could not be reached; the message says why',
  503: 'The server is missing configuration this request needs',
};

const errorResponse = (status: number) => ({
  description: ERROR_DESCRIPTIONS[status] ?? 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const SUCCESS_DESCRIPTIONS = { 200: 'OK', 201: 'Created', 204: 'No content' } as const;

/** One `in: query` parameter per property of a route's query schema. */
function queryParameters(schema: z.ZodType): Json[] {
  const { properties = {}, required = [] } = jsonSchema(schema, 'input') as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(typeof description === 'string' ? { description } : {}),
    schema: property,
  }));
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from the route table and the zod schemas
 * the routes validate with, so the two cannot drift.
 */
export function buildOpenApiDocument(routes: readonly Route[], basePath: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const params: Json[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    if (r.query) params.push(...queryParameters(r.query));
    const responses: Record<string, Json> = {
      [r.status]: {
        description: SUCCESS_DESCRIPTIONS[r.status],
        ...(r.response
          ? { content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } }
          : {}),
      },
    };
    for (const status of [...r.errors, 401, 403, 500].sort()) responses[status] = errorResponse(status);
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      tags: ['Meta'],
      security: [],
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Toolgate API',
      version: '1.0.0',
      description:
        'Automation API of a Toolgate tenant: registry, installations, gateways, policies, API tokens, teams and members. ' +
        'Authenticate with an API token (tg_…) that has the admin capability.',
    },
    servers: [{ url: basePath }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'Registry', description: "MCP server templates: the tenant's own and the built-in catalog" },
      { name: 'Installations', description: 'Connections made from registry entries, with credentials' },
      {
        name: 'Connections',
        description:
          "Accounts connected at servers that use OAuth: the user's own, a team's or the organization's",
      },
      {
        name: 'Installation requests',
        description: 'Members ask for org or team installations; owners and admins approve or reject',
      },
      { name: 'Gateways', description: 'Named MCP endpoints exposing chosen tools' },
      {
        name: 'Policies',
        description:
          'Tool-call policies: a CEL condition over the tool, its arguments, the caller, the gateway and the ' +
          'session, and what to do when it holds (allow, deny, require approval, with who approves: the ' +
          'caller, the admins or a team); members read, owners and admins write',
      },
      {
        name: 'Guardrails',
        description:
          'DLP on tool calls: built-in detectors and the workspace’s own patterns on arguments, results or ' +
          'both (log, redact or block), and an optional external endpoint asked with a signed request; ' +
          'members read, owners and admins write',
      },
      {
        name: 'Approvals',
        description:
          'Tool calls held by require_approval policies for the admins or a team’s maintainers: the inbox, ' +
          'and approve or deny with a note',
      },
      {
        name: 'Tool changes',
        description:
          'Tool-definition pinning: gateways serve the definitions admins approved; new and changed ones ' +
          'wait for review (a diff), and how the workspace treats them',
      },
      { name: 'Tokens', description: 'API tokens for MCP clients and for this API' },
      {
        name: 'Teams',
        description:
          "Teams and their members: owners and admins manage every team, a team's maintainers its " +
          'membership; members see the teams they are in',
      },
      { name: 'Members', description: "The workspace's members, their roles, and invitations" },
      { name: 'Workspace', description: 'The workspace itself: rename, hand over, delete' },
      {
        name: 'Account',
        description: 'The person a user token acts for: verifying their email address',
      },
      {
        name: 'Sign-in',
        description:
          'External identity providers, OAuth clients registered by admins, the apps signed in through ' +
          'OAuth (their grants), and whether sign-in creates users',
      },
      {
        name: 'Usage',
        description: 'Dashboards and the audit log: owners and admins see every call, members their own',
      },
      {
        name: 'Billing',
        description:
          "The workspace's Stripe subscription (owners; only with Stripe configured): overview, Checkout, Customer Portal",
      },
      { name: 'Meta', description: 'About the API itself' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: "An API token (`tg_…`) with the `admin` capability; the tenant is the token's.",
        },
      },
      schemas: { Error: jsonSchema(ZErrorResponse, 'output') },
    },
  };
}
