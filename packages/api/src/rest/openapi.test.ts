import { describe, expect, it } from 'vitest';
import { handleRestRequest, type RestDeps } from './handle-rest-request.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

/** Walks into a JSON value; undefined when the path does not exist. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Routing refusals and the document never touch the database. */
const noDeps = { publicMcpUrl: 'https://mcp.example.test' } as RestDeps;

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument(ROUTES, '/api/v1');

  it('is OpenAPI 3.1 with a bearer security scheme applied by default', () => {
    expect(doc).toMatchObject({
      openapi: '3.1.0',
      servers: [{ url: '/api/v1' }],
      security: [{ bearerAuth: [] }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    });
  });

  it('describes every route with its parameters, request and responses', () => {
    const ids = new Set<unknown>();
    for (const route of ROUTES) {
      const op = at(doc, 'paths', route.path, route.method.toLowerCase());
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      ids.add(at(op, 'operationId'));
      expect(Object.keys(at(op, 'responses') as object)).toEqual(
        expect.arrayContaining([String(route.status), '401', '403', '500']),
      );
      if (route.response) {
        const schema = at(op, 'responses', route.status, 'content', 'application/json', 'schema');
        expect(schema).toMatchObject({ type: 'object' });
        expect(schema).not.toHaveProperty('$schema');
      }
      if (route.body) {
        expect(at(op, 'requestBody', 'required')).toBe(true);
        expect(at(op, 'requestBody', 'content', 'application/json', 'schema', 'type')).toBe('object');
      } else {
        expect(at(op, 'requestBody')).toBeUndefined();
      }
      const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
      }));
      const inPath = ((at(op, 'parameters') ?? []) as { in: string }[]).filter((p) => p.in === 'path');
      expect(inPath).toMatchObject(params);
    }
    expect(ids.size).toBe(ROUTES.length);
    expect(at(doc, 'paths', '/openapi.json', 'get', 'security')).toEqual([]);
  });

  it('shows request defaults and validation rules from the zod schemas', () => {
    const create = at(
      doc,
      'paths',
      '/gateways',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
    );
    expect(at(create, 'required')).toEqual(['slug', 'name']);
    expect(at(create, 'properties', 'visibility')).toMatchObject({ enum: ['org', 'teams'], default: 'org' });
    expect(at(create, 'properties', 'slug')).toMatchObject({ type: 'string', minLength: 2, maxLength: 40 });
    const created = at(
      doc,
      'paths',
      '/tokens',
      'post',
      'responses',
      201,
      'content',
      'application/json',
      'schema',
    );
    expect(at(created, 'required')).toContain('token');
  });

  it("describes the version an installation's server reports, and its last change, on every installation view", () => {
    const json = (path: string, method: string, status: number, ...inner: string[]) =>
      at(doc, 'paths', path, method, 'responses', status, 'content', 'application/json', 'schema', ...inner);
    const views = [
      json('/installations/{id}/check', 'post', 200),
      json('/installations/{id}', 'get', 200, 'properties', 'installation'),
      json('/installations/{id}/discover', 'post', 200, 'properties', 'installation'),
      json(
        '/installations',
        'get',
        200,
        'properties',
        'installations',
        'items',
        'properties',
        'installation',
      ),
    ];
    for (const view of views) {
      expect(at(view, 'required')).toEqual(expect.arrayContaining(['serverInfo', 'serverVersionChange']));
      expect(at(view, 'properties', 'serverInfo', 'anyOf')).toEqual([
        expect.objectContaining({ type: 'object', required: ['name', 'version', 'seenAt'] }),
        { type: 'null' },
      ]);
      expect(at(view, 'properties', 'serverVersionChange', 'anyOf')).toEqual([
        expect.objectContaining({ type: 'object', required: ['from', 'to', 'at'] }),
        { type: 'null' },
      ]);
    }
  });

  it('is served at /api/v1/openapi.json without authentication', async () => {
    const res = await handleRestRequest(new Request('http://x.test/api/v1/openapi.json'), noDeps);
    expect(res.status).toBe(200);
    expect(at(await res.json(), 'openapi')).toBe('3.1.0');
    const post = await handleRestRequest(
      new Request('http://x.test/api/v1/openapi.json', { method: 'POST' }),
      noDeps,
    );
    expect(post.status).toBe(405);
  });
});

describe('routing', () => {
  it('answers unknown paths with a JSON 404 and wrong methods with 405 + Allow', async () => {
    const missing = await handleRestRequest(new Request('http://x.test/api/v1/nope'), noDeps);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for /api/v1/nope' },
    });
    const wrong = await handleRestRequest(
      new Request('http://x.test/api/v1/gateways/6a1f1d0e-3c1b-4c57-9a7e-2a8f0c1d2e3f/tools', {
        method: 'GET',
      }),
      noDeps,
    );
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('PUT');
  });
});

describe('query parameters', () => {
  const doc = buildOpenApiDocument(ROUTES, '/api/v1');

  it('lists each query-string filter of the usage routes, none required', () => {
    const params = at(doc, 'paths', '/logs', 'get', 'parameters') as {
      name: string;
      in: string;
      required: boolean;
    }[];
    expect(params.filter((p) => p.in === 'query').map((p) => p.name)).toEqual([
      'range',
      'from',
      'to',
      'gatewayId',
      'installationId',
      'tool',
      'principalId',
      'agent',
      'status',
      'authMethod',
      'method',
      'policyDecision',
      'dlpOutcome',
      'cursor',
      'limit',
    ]);
    expect(params.every((p) => !p.required)).toBe(true);
    expect(params.find((p) => p.name === 'dlpOutcome')).toMatchObject({
      schema: { enum: ['none', 'logged', 'redacted', 'blocked'] },
    });
    expect(params.find((p) => p.name === 'policyDecision')).toMatchObject({
      schema: { enum: ['none', 'allow', 'deny', 'approved', 'approval_denied', 'pending'] },
    });
    const range = params.find((p) => p.name === 'range');
    expect(range).toMatchObject({ schema: { enum: ['1h', '24h', '7d', '30d'] } });
    expect(at(range, 'description')).toContain('ending now');
    expect(at(doc, 'paths', '/logs/{id}', 'get', 'parameters')).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
    ]);
  });
});
