import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '@toolgate/core/logger';
import { identityProviders, oauthClients, oauthGrants } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTeam,
  seedTools,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ZErrorResponse } from '../schemas/common.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import {
  deeplyNestedText,
  getAt,
  ODD_STRINGS,
  replaceAt,
  sampleFromSchema,
  seededRng,
  stringPaths,
  UNSTORABLE_STRINGS,
  valuePaths,
  WRONG_TYPES,
  type JsonSchema,
  type Rng,
  type SampleHints,
} from '../testing/fuzz-kit.ts';
import { testRestDeps } from '../testing/rest-client.ts';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import { handleRestRequest, type RestDeps } from './handle-rest-request.ts';
import { ROUTES, type Route } from './routes.ts';

/*
 * A bounded, seeded fuzzer over every route of the OpenAPI document, as a tenant admin: invalid
 * JSON, deep nesting, wrong types, NULs and odd Unicode in bodies and query strings, oversized
 * strings, malformed and huge headers, bogus path ids. Whatever the input: never a 5xx, always
 * the documented error shape and a documented status, no answer slower than a bound, no heap
 * growth beyond a bound. Change SEED to explore; a failure prints the seed and the request.
 */
const SEED = 0x7001_6a7e;
/** Random mutations per operation, on top of the systematic ones (every string, every parameter). */
const RANDOM_PER_OPERATION = 60;
const MAX_ANSWER_MS = 2_000;
const MAX_HEAP_GROWTH_BYTES = 64 * 1024 * 1024;
const MAX_BODY_BYTES = 256 * 1024;
const BASE = '/api/v1';
const ORIGIN = 'http://toolgate.test';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let deps: RestDeps;
let deadUrl: string;
/** Ids of tenant A's objects by the path segment that names them ("gateways", "tools", …). */
const ids: Record<string, string> = {};
/** The cause of the last 500, as the REST handler logged it. */
let lastServerError = '';
/** Tenant B's: tenant A must get 404 for them. */
const theirIds: string[] = [];

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/mcp`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  deps = testRestDeps({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    secretKeys: env.secretKeys,
    // Upstreams are a closed loopback port: discovery and probes fail fast, never leave the host.
    allowPrivateUpstreams: true,
    allowStdio: false,
    maxBodyBytes: MAX_BODY_BYTES,
    // 500s are logged with their cause; the fuzzer reports the cause with the request.
    log: {
      error: (fields: { err?: unknown }) => {
        lastServerError = fields.err instanceof Error ? fields.err.message : String(fields.err);
      },
    } as unknown as Logger,
  });
  const db = env.db.db;
  const tenantId = a.tenant.id;
  const entry = await seedRegistryEntry(db, tenantId, { url: deadUrl });
  const installation = await seedInstallation(db, tenantId, entry.id);
  const [tool] = await seedTools(db, tenantId, installation.id, [{ name: 'fuzz-tool' }]);
  const gateway = await seedGateway(db, tenantId);
  const team = await seedTeam(db, tenantId, [a.admin.id]);
  const spareToken = await seedApiToken(db, tenantId, { capabilities: ['mcp'] });
  const [idp] = await db
    .insert(identityProviders)
    .values({
      tenantId,
      name: 'Fuzz IdP',
      issuer: 'https://idp.fuzz.example.test',
      jwksUri: 'https://idp.fuzz.example.test/keys',
      audience: 'toolgate',
    })
    .returning();
  const [client] = await db
    .insert(oauthClients)
    .values({
      tenantId,
      clientId: `fuzz-${entry.id}`,
      kind: 'preregistered',
      name: 'Fuzz app',
      redirectUris: ['https://app.example.test/cb'],
    })
    .returning();
  const [grant] = await db
    .insert(oauthGrants)
    .values({ tenantId, userId: a.admin.id, clientId: client!.id, scopes: ['mcp:tools'], gatewayIds: [] })
    .returning();
  const event = usageEvent(tenantId, Date.now() - 60_000, { gatewayId: gateway.id, toolName: 'fuzz-tool' });
  await recordUsage(env.db, [event]);
  const logs = await send({ label: 'setup', method: 'GET', path: '/logs?range=1h' });
  const request = await send({
    label: 'setup',
    method: 'POST',
    path: '/installation-requests',
    token: a.memberToken,
    body: JSON.stringify({ registryEntryId: entry.id, scope: 'org', reason: 'fuzz' }),
  });
  const invitation = await send({
    label: 'setup',
    method: 'POST',
    path: '/invitations',
    body: JSON.stringify({ email: 'fuzz-invitee@example.test' }),
  });
  Object.assign(ids, {
    registry: entry.id,
    installations: installation.id,
    tools: tool!.id,
    gateways: gateway.id,
    teams: team.id,
    tokens: spareToken.id,
    'identity-providers': idp!.id,
    clients: client!.id,
    grants: grant!.id,
    logs: (logs.json as { events: { id: string }[] }).events[0]!.id,
    'installation-requests': (request.json as { id: string }).id,
    // A member to add to teams, re-role and remove: `/teams/{id}/members/{userId}`, `/members/{userId}`.
    members: a.otherMember.id,
    invitations: (invitation.json as { id: string }).id,
  });
  const theirEntry = await seedRegistryEntry(db, b.tenant.id, { url: deadUrl });
  const theirGateway = await seedGateway(db, b.tenant.id);
  const theirTeam = await seedTeam(db, b.tenant.id, [b.member.id]);
  theirIds.push(
    theirEntry.id,
    theirGateway.id,
    (await seedInstallation(db, b.tenant.id, theirEntry.id)).id,
    theirTeam.id,
    b.member.id,
  );
});
afterAll(async () => {
  await env?.close();
});

interface FuzzRequest {
  label: string;
  method: string;
  /** Under the base path, query string included. */
  path: string;
  /** Default: tenant A's admin token; null sends no authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

interface FuzzAnswer {
  status: number;
  text: string;
  json: unknown;
  ms: number;
}

/** The Fetch API's request, or undefined when it refuses to build one (a header it will not send). */
function toRequest(req: FuzzRequest): Request | undefined {
  try {
    const headers = new Headers(req.headers);
    const token = req.token === undefined ? a.adminToken : req.token;
    if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    if (req.body !== undefined && !headers.has('content-type'))
      headers.set('content-type', 'application/json');
    return new Request(`${ORIGIN}${BASE}${req.path}`, { method: req.method, headers, body: req.body });
  } catch (err) {
    if (err instanceof TypeError) return undefined;
    throw err;
  }
}

async function answer(request: Request): Promise<FuzzAnswer> {
  const started = performance.now();
  const response = await handleRestRequest(request, deps);
  const text = await response.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, ms };
}

async function send(req: FuzzRequest): Promise<FuzzAnswer> {
  const request = toRequest(req);
  if (!request) throw new Error(`cannot build ${req.method} ${req.path}`);
  return answer(request);
}

interface Operation {
  method: string;
  path: string;
  route: Route;
  bodySchema?: JsonSchema;
  queryParameters: { name: string; schema: JsonSchema }[];
}

/** The operations of the OpenAPI document the API serves, each with the route that serves it. */
async function operationsFromOpenApi(): Promise<Operation[]> {
  const answer = await send({ label: 'openapi', method: 'GET', path: '/openapi.json', token: null });
  expect(answer.status).toBe(200);
  const doc = answer.json as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; in: string; schema: JsonSchema }[];
          requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
        }
      >
    >;
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (path === '/openapi.json') continue;
    for (const [lower, op] of Object.entries(methods)) {
      const method = lower.toUpperCase();
      const route = ROUTES.find((r) => r.method === method && r.path === path);
      if (!route) throw new Error(`the OpenAPI document lists ${method} ${path}, which no route serves`);
      operations.push({
        method,
        path,
        route,
        bodySchema: op.requestBody?.content['application/json'].schema,
        queryParameters: (op.parameters ?? []).filter((p) => p.in === 'query'),
      });
    }
  }
  // Deletions last, so the objects the other operations name still exist while they run.
  return operations.sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
}

const URL_PROPERTY = /url|uri|issuer|server$/i;

function hints(rng: Rng): SampleHints {
  return {
    stringFor(property, schema) {
      if (property === 'registryEntryId') return ids.registry;
      if (property === 'userId') return ids.members;
      if (property === 'teamId' || property === 'teamIds') return ids.teams;
      if (property === 'installationId') return ids.installations;
      if (property === 'identityProviderId') return ids['identity-providers'];
      if (property === 'toolName') return 'fuzz-tool';
      if (property === 'redirectUris') return 'https://app.example.test/cb';
      if (property === 'issuer') return `https://idp-${rng.int(1e9)}.fuzz.example.test`;
      if (URL_PROPERTY.test(property) && !schema.pattern) return deadUrl;
      return undefined;
    },
  };
}

/** A body the route's own schema accepts (tries a few samples), so mutations reach the service. */
function validBody(op: Operation, rng: Rng): unknown {
  let sample: unknown = {};
  for (let i = 0; i < 20; i++) {
    sample = sampleFromSchema(op.bodySchema!, rng, hints(rng));
    if ((op.route.body as z.ZodType).safeParse(sample).success) return sample;
  }
  return sample;
}

/** The concrete path: real ids of tenant A's objects (the segment before names the kind). */
function concretePath(op: Operation, idFor?: (param: string) => string): string {
  const segments = op.path.split('/');
  return segments
    .map((segment, i) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (!param) return segment;
      if (idFor) return idFor(param);
      const kind = segments[i - 1]!;
      return ids[kind] ?? '00000000-0000-4000-8000-000000000000';
    })
    .join('/');
}

const BOGUS_IDS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '%00',
  '0%00',
  'a'.repeat(5_000),
  '%F0%9F%99%82',
  '%ED%A0%80',
  '..%2F..%2Fgateways',
  '12345678-1234-1234-1234-1234567890123',
  ' 12345678-1234-1234-1234-123456789012',
  '-1',
  '1e400',
];

const INVALID_JSON: (string | Uint8Array)[] = [
  '',
  '{',
  '{"name": }',
  '{"name": "x",}',
  "{'name': 'x'}",
  '[1, 2',
  'NaN',
  '{"name": NaN}',
  '{"a": 1e999999}',
  '\ufeff{}',
  '{}garbage',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"\\u0000":1}',
  '[]',
  'null',
  'true',
  '"string"',
  '12345678901234567890123456789',
  '['.repeat(100_000),
  '{"a":'.repeat(50_000),
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
];

/** Stands for a deeply nested value, spliced into the JSON text (too deep to stringify). */
const DEEP = '\u2063deep\u2063';

/** Replacement values for a query parameter. */
const QUERY_VALUES = [
  '\u0000',
  'a\u0000b',
  '%00',
  '\ud800',
  '',
  ' ',
  'x'.repeat(10_000),
  '2024-02-30T00:00:00Z',
  '2024-13-01T00:00:00Z',
  '2024-01-01T25:61:00Z',
  '+275760-09-13T00:00:00.001Z',
  '9999-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z',
  '1970-01-01T00:00:00+99:99',
  '2024-01-01',
  'yesterday',
  '-1',
  '0',
  '1e400',
  '9007199254740993',
  '0x10',
  'NaN',
  'Infinity',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'token:\u0000',
  '🙂',
  'errors',
  '1h',
  // Log cursors of the right form naming impossible positions.
  ...[
    '2024-02-30T00:00:00.000000Z',
    '0000-01-01T00:00:00.000000Z',
    '2024-01-01T24:00:00.000000Z',
    '2024-01-01T23:59:60.000000Z',
    '9999-12-31T23:59:59.999999Z',
  ].map((at) => Buffer.from(`${at}|00000000-0000-4000-8000-000000000000`).toString('base64url')),
];

function* requestsFor(op: Operation, rng: Rng): Generator<FuzzRequest> {
  const path = concretePath(op);
  const { method } = op;
  const bodied = method !== 'GET';
  const base = op.bodySchema ? validBody(op, rng) : undefined;
  const json = (value: unknown) => JSON.stringify(value);

  // The baseline: a request the route's schema accepts.
  yield { label: 'valid', method, path, body: base === undefined ? undefined : json(base) };

  // Systematically: every string of the body, and a key, made unstorable.
  if (base !== undefined) {
    for (const at of stringPaths(base)) {
      const original = getAt(base, at) as string;
      for (const bad of ['\u0000', '\ud800']) {
        const cut = rng.int(original.length + 1);
        const value = `${original.slice(0, cut)}${bad}${original.slice(cut)}`;
        yield {
          label: `${JSON.stringify(bad)} in ${at.join('.')}`,
          method,
          path,
          body: json(replaceAt(base, at, value)),
        };
      }
    }
    yield { label: 'NUL in a key', method, path, body: json({ ...(base as object), 'a\u0000b': 'x' }) };
    yield {
      label: 'lone surrogate in a key',
      method,
      path,
      body: json({ ...(base as object), '\udc00': 'x' }),
    };
  }
  // Every query parameter with every hostile value, alone.
  for (const { name } of op.queryParameters) {
    for (const bad of QUERY_VALUES)
      yield {
        label: `?${name}=${JSON.stringify(bad.slice(0, 40))}`,
        method,
        path: `${path}?${new URLSearchParams({ [name]: bad }).toString()}`,
      };
  }
  // Bogus and foreign path ids.
  if (op.path.includes('{')) {
    for (const bogus of [...BOGUS_IDS, ...theirIds])
      yield {
        label: `path id ${bogus.slice(0, 40)}`,
        method,
        path: concretePath(op, () => bogus),
        body: base === undefined ? undefined : json(base),
      };
  }

  for (let i = 0; i < RANDOM_PER_OPERATION; i++) {
    const kind = rng.int(10);
    if (kind <= 2 && base !== undefined) {
      // A value anywhere in the body replaced by a hostile one.
      const at = rng.pick(valuePaths(base));
      const replacement = rng.pick<unknown>([
        ...WRONG_TYPES,
        rng.pick(UNSTORABLE_STRINGS),
        rng.pick(ODD_STRINGS),
        'x'.repeat(rng.pick([101, 2_001, 10_001, 100_000])),
        DEEP,
        [rng.pick(ODD_STRINGS), rng.pick(UNSTORABLE_STRINGS)],
        { [rng.pick(ODD_STRINGS)]: rng.pick(UNSTORABLE_STRINGS) },
      ]);
      let body = json(replaceAt(base, at, replacement));
      if (replacement === DEEP) {
        const depth = rng.pick([10, 65, 1_000, 20_000]);
        body = body.replace(
          JSON.stringify(DEEP),
          deeplyNestedText(depth, rng.chance(0.5) ? 'array' : 'object'),
        );
      }
      yield { label: `body ${at.join('.') || '(root)'} replaced`, method, path, body };
    } else if (kind === 3 && bodied) {
      yield { label: 'invalid JSON', method, path, body: rng.pick(INVALID_JSON) };
    } else if (kind === 4 && bodied) {
      // Over the body limit, declared or not.
      const big = json({ name: 'x'.repeat(MAX_BODY_BYTES) });
      yield rng.chance(0.5)
        ? { label: 'oversized body', method, path, body: big }
        : {
            label: 'lying content-length',
            method,
            path,
            body: '{}',
            headers: { 'content-length': String(2 ** 40) },
          };
    } else if (kind === 5) {
      yield {
        label: 'malformed headers',
        method,
        path,
        ...malformedHeaders(rng),
        body: base === undefined ? undefined : json(base),
      };
    } else if (kind === 6 && op.queryParameters.length > 0) {
      const params = new URLSearchParams();
      for (let n = 1 + rng.int(3); n > 0; n--)
        params.append(rng.pick(op.queryParameters).name, rng.pick(QUERY_VALUES));
      if (rng.chance(0.2)) params.append(rng.pick(['\u0000', 'unknown', '__proto__', 'constructor']), 'x');
      yield {
        label: `query ${params.toString().slice(0, 80)}`,
        method,
        path: `${path}?${params.toString()}`,
      };
    } else if (kind === 6) {
      yield { label: 'query on a route without one', method, path: `${path}?x=%00&limit=-1&__proto__=1` };
    } else if (kind === 7 && base !== undefined) {
      // Unknown and prototype-shaped keys, spliced in as text (an object literal would not own them).
      const extra = rng.pick([
        '"__proto__":{"admin":true}',
        '"constructor":{"prototype":{"admin":true}}',
        `${JSON.stringify(rng.pick(ODD_STRINGS))}:1`,
      ]);
      const text = json(base);
      yield {
        label: 'extra keys',
        method,
        path,
        body: `${text.slice(0, -1)}${text === '{}' ? '' : ','}${extra}}`,
      };
    } else if (kind === 8) {
      // The whole body another JSON type (GET cannot carry one: a plain request instead).
      yield {
        label: 'wrong body type',
        method,
        path,
        body: bodied ? json(rng.pick(WRONG_TYPES)) : undefined,
      };
    } else {
      yield { label: 'path id', method, path: concretePath(op, () => rng.pick(BOGUS_IDS)) };
    }
  }
}

function malformedHeaders(rng: Rng): Pick<FuzzRequest, 'headers' | 'token'> {
  switch (rng.int(8)) {
    case 0:
      return { headers: { authorization: `Bearer ${'A'.repeat(64 * 1024)}` } };
    case 1:
      return { headers: { authorization: 'Bearer' }, token: null };
    case 2:
      return { headers: { authorization: `Bearer tg_\u00ff\u00fe${'x'.repeat(44)}` } };
    case 3:
      return { headers: { authorization: `Basic ${'x'.repeat(1000)}, Bearer ${a.adminToken}` } };
    case 4:
      return {
        headers: {
          'content-type': rng.pick([
            'text/plain',
            'application/json; charset=latin1',
            'multipart/form-data; boundary=x',
            '\u00ff',
          ]),
        },
      };
    case 5:
      return {
        headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-fuzz-${i}`, 'y'.repeat(200)])),
      };
    case 6:
      return { headers: { 'x-request-id': '\u00ff'.repeat(10_000), 'content-length': '-1' } };
    default:
      return { headers: { authorization: `Bearer ${b.adminToken}` }, token: null };
  }
}

/** Statuses the OpenAPI document lists for the route (besides 500). */
const documented = (route: Route) => new Set<number>([route.status, ...route.errors, 401, 403]);

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

describe('REST fuzzing', () => {
  it('answers every mutated request of every documented route with a documented 4xx or success, quickly', async () => {
    const rng = seededRng(SEED);
    const operations = await operationsFromOpenApi();
    expect(operations.length).toBe(ROUTES.length);
    console.log(`[rest-fuzz] seed 0x${SEED.toString(16)}, ${operations.length} operations`);

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let unsendable = 0;
    let slowest = 0;
    for (const op of operations) {
      for (const req of requestsFor(op, rng)) {
        const request = toRequest(req);
        if (!request) {
          unsendable++;
          continue;
        }
        const got = await answer(request);
        statuses.set(got.status, (statuses.get(got.status) ?? 0) + 1);
        slowest = Math.max(slowest, got.ms);
        const problem = judge(op, got);
        if (problem) problems.push(`${op.method} ${op.path} [${req.label}] → ${got.status}: ${problem}`);
      }
    }
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const histogram = [...statuses].sort(([x], [y]) => x - y).map(([status, n]) => `${status}×${n}`);
    console.log(
      `[rest-fuzz] ${histogram.join(' ')} (${unsendable} not sendable); slowest ${Math.round(slowest)} ms; ` +
        `heap ${heapGrowth >= 0 ? '+' : ''}${Math.round(heapGrowth / 1024)} KiB; ${problems.length} problems`,
    );
    expect(problems.slice(0, 30), `seed 0x${SEED.toString(16)}: ${problems.length} problems`).toEqual([]);
    expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    // A run that only ever reached the front door (every call 401, say) proves nothing.
    const succeeded = [...statuses].filter(([status]) => status < 300).reduce((n, [, count]) => n + count, 0);
    expect(succeeded).toBeGreaterThan(200);
  });
});

function judge(op: Operation, answer: FuzzAnswer): string | undefined {
  const excerpt = answer.text.slice(0, 300);
  if (answer.status >= 500) return `server error ${excerpt} (cause: ${lastServerError.slice(0, 200)})`;
  if (answer.ms > MAX_ANSWER_MS) return `took ${Math.round(answer.ms)} ms`;
  if (!documented(op.route).has(answer.status)) return `undocumented status ${excerpt}`;
  if (answer.status >= 400) {
    const shape = ZErrorResponse.safeParse(answer.json);
    if (!shape.success) return `error body not in the documented shape: ${excerpt}`;
  } else if (op.route.response) {
    const shape = op.route.response.safeParse(answer.json);
    if (!shape.success) return `success body not in the documented shape: ${excerpt}`;
  }
  return undefined;
}
