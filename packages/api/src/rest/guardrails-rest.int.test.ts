import { openString } from '@toolgate/core/crypto';
import { guardrailSecretAad } from '@toolgate/core/dlp';
import { guardrails } from '@toolgate/db/schema';
import { seedGateway } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZGuardrail, ZGuardrailList, ZGuardrailWithSecret } from '../schemas/guardrails.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    secretKeys: env.secretKeys,
  });
});
afterAll(async () => {
  await env?.close();
});

const GUARDRAIL = {
  name: 'No secrets out',
  description: 'Keys and card numbers never reach a model',
  gatewayIds: null,
  direction: 'results',
  detectors: ['secret', 'card'],
  patterns: [{ name: 'employee-id', pattern: 'EMP-\\d{6}' }],
  action: 'redact',
  enabled: true,
  external: null,
};

/** An https endpoint on a host that does not resolve here: accepted, checked again at call time. */
const ENDPOINT = 'https://guardrail.invalid/check';

describe('REST /guardrails', () => {
  it('creates, lists, reads, changes and deletes a guardrail', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const created = ok(
      await call('POST', '/guardrails', { token: a.adminToken, body: GUARDRAIL }),
      201,
      ZGuardrailWithSecret,
    );
    expect(created).toMatchObject({ ...GUARDRAIL, detectors: ['card', 'secret'], createdBy: null });
    expect(created.signingSecret).toBeUndefined();

    const scoped = ok(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { name: 'Emails logged', detectors: ['email'], action: 'log', gatewayIds: [gateway.id] },
      }),
      201,
      ZGuardrailWithSecret,
    );
    expect(scoped).toMatchObject({
      gatewayIds: [gateway.id],
      direction: 'both',
      enabled: true,
      patterns: [],
    });

    const listed = ok(await call('GET', '/guardrails', { token: a.memberToken }), 200, ZGuardrailList);
    expect(listed.guardrails.map((g) => g.id)).toEqual([scoped.id, created.id]);
    expect(
      ok(await call('GET', `/guardrails/${created.id}`, { token: a.memberToken }), 200, ZGuardrail),
    ).toEqual(created);

    const changed = ok(
      await call('PATCH', `/guardrails/${scoped.id}`, {
        token: a.adminToken,
        body: { name: 'Z emails blocked', action: 'block', gatewayIds: null },
      }),
      200,
      ZGuardrailWithSecret,
    );
    expect(changed).toMatchObject({ name: 'Z emails blocked', action: 'block', gatewayIds: null });
    const reordered = ok(await call('GET', '/guardrails', { token: a.adminToken }), 200, ZGuardrailList);
    expect(reordered.guardrails.map((g) => g.id)).toEqual([created.id, scoped.id]);

    for (const id of [created.id, scoped.id]) {
      const gone = await call('DELETE', `/guardrails/${id}`, { token: a.adminToken });
      expect(gone.status).toBe(204);
      expect(gone.json).toBeUndefined();
      failed(await call('GET', `/guardrails/${id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
      failed(await call('DELETE', `/guardrails/${id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    }
  });

  it('answers the signing secret once, on create and on rotation', async () => {
    const created = ok(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { name: 'External', action: 'block', external: { url: ENDPOINT } },
      }),
      201,
      ZGuardrailWithSecret,
    );
    expect(created.external).toEqual({ url: ENDPOINT, timeoutMs: 2000, failMode: 'closed' });
    expect(created.signingSecret).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/);
    const [row] = await env.db.db.select().from(guardrails).where(eq(guardrails.id, created.id));
    expect(row!.externalSecretSealed).not.toContain(created.signingSecret!.slice(4));
    expect(openString(env.secretKeys, row!.externalSecretSealed!, guardrailSecretAad(created.id))).toBe(
      created.signingSecret,
    );

    const read = await call('GET', `/guardrails/${created.id}`, { token: a.adminToken });
    expect(JSON.stringify(read.json)).not.toContain(created.signingSecret!);
    expect(read.json).not.toHaveProperty('signingSecret');
    const listed = await call('GET', '/guardrails', { token: a.adminToken });
    expect(JSON.stringify(listed.json)).not.toContain(created.signingSecret!);
    const patched = await call('PATCH', `/guardrails/${created.id}`, {
      token: a.adminToken,
      body: { external: { url: ENDPOINT, timeoutMs: 300, failMode: 'open' } },
    });
    expect(patched.json).not.toHaveProperty('signingSecret');

    const rotated = ok(
      await call('PATCH', `/guardrails/${created.id}`, { token: a.adminToken, body: { rotateSecret: true } }),
      200,
      ZGuardrailWithSecret,
    );
    expect(rotated.signingSecret).toMatch(/^tgs_/);
    expect(rotated.signingSecret).not.toBe(created.signingSecret);
    expect(rotated.external).toEqual({ url: ENDPOINT, timeoutMs: 300, failMode: 'open' });

    const cleared = ok(
      await call('PATCH', `/guardrails/${created.id}`, {
        token: a.adminToken,
        body: { external: null, detectors: ['iban'] },
      }),
      200,
      ZGuardrailWithSecret,
    );
    expect(cleared.external).toBeNull();
    const [clearedRow] = await env.db.db.select().from(guardrails).where(eq(guardrails.id, created.id));
    expect(clearedRow).toMatchObject({ externalUrl: null, externalSecretSealed: null });
    await call('DELETE', `/guardrails/${created.id}`, { token: a.adminToken });
  });

  it('answers 4xx for client mistakes, naming the fields', async () => {
    const pattern = failed(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { ...GUARDRAIL, name: 'bad', patterns: [{ name: 'ref', pattern: '(a)\\1' }] },
      }),
      422,
      'INVALID',
    );
    expect(pattern.fields?.map((f) => f.path)).toEqual(['patterns.0.pattern']);

    const ssrf = failed(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { ...GUARDRAIL, name: 'ssrf', external: { url: 'https://169.254.169.254/latest/meta-data' } },
      }),
      422,
      'INVALID',
    );
    expect(ssrf.fields).toEqual([
      { path: 'external.url', message: 'must not point to a private or loopback address' },
    ]);

    const fields = failed(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { name: '', action: 'quarantine', detectors: ['dna'], gatewayIds: [], extra: 1 },
      }),
      422,
      'INVALID',
    );
    expect(fields.fields?.map((f) => f.path).sort()).toEqual([
      '',
      'action',
      'detectors.0',
      'gatewayIds',
      'name',
    ]);

    const timeout = failed(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { ...GUARDRAIL, name: 'slow', external: { url: ENDPOINT, timeoutMs: 60_000 } },
      }),
      422,
      'INVALID',
    );
    expect(timeout.fields?.map((f) => f.path)).toEqual(['external.timeoutMs']);

    const guardrail = ok(
      await call('POST', '/guardrails', { token: a.adminToken, body: { ...GUARDRAIL, name: 'Taken' } }),
      201,
      ZGuardrail,
    );
    const taken = failed(
      await call('POST', '/guardrails', { token: a.adminToken, body: { ...GUARDRAIL, name: 'TAKEN' } }),
      409,
      'CONFLICT',
    );
    expect(taken.fields).toEqual([{ path: 'name', message: '"TAKEN" is taken by another guardrail' }]);
    const empty = failed(
      await call('PATCH', `/guardrails/${guardrail.id}`, { token: a.adminToken, body: {} }),
      422,
      'INVALID',
    );
    expect(empty.message).toBe('give at least one field to change');
    const rotateNothing = failed(
      await call('PATCH', `/guardrails/${guardrail.id}`, {
        token: a.adminToken,
        body: { rotateSecret: true },
      }),
      422,
      'INVALID',
    );
    expect(rotateNothing.fields?.map((f) => f.path)).toEqual(['rotateSecret']);
    const notJson = await call('PATCH', `/guardrails/${guardrail.id}`, {
      token: a.adminToken,
      rawBody: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    failed(
      await call('GET', '/guardrails/00000000-0000-4000-8000-000000000000', { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
    failed(await call('GET', '/guardrails/not-a-uuid', { token: a.adminToken }), 404, 'NOT_FOUND');
    expect((await call('GET', '/guardrails')).status).toBe(401);
    await call('DELETE', `/guardrails/${guardrail.id}`, { token: a.adminToken });
  });

  it('answers 503 for an external endpoint where no secret keys are configured', async () => {
    const keyless = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
    failed(
      await keyless('POST', '/guardrails', {
        token: a.adminToken,
        body: { ...GUARDRAIL, name: 'keyless', external: { url: ENDPOINT } },
      }),
      503,
      'UNAVAILABLE',
    );
    expect(await env.db.db.select().from(guardrails).where(eq(guardrails.name, 'keyless'))).toEqual([]);
    // Without an endpoint no key is needed.
    const plain = ok(
      await keyless('POST', '/guardrails', { token: a.adminToken, body: { ...GUARDRAIL, name: 'keyless' } }),
      201,
      ZGuardrail,
    );
    await call('DELETE', `/guardrails/${plain.id}`, { token: a.adminToken });
  });

  it('takes plain http to localhost only where private upstreams are allowed', async () => {
    const body = { ...GUARDRAIL, name: 'local', external: { url: 'http://localhost:8787/check' } };
    failed(await call('POST', '/guardrails', { token: a.adminToken, body }), 422, 'INVALID');
    const dev = restClient({
      db: env.db.db,
      bus: env.bus,
      publicMcpUrl: 'https://mcp.example.test',
      secretKeys: env.secretKeys,
      allowPrivateUpstreams: true,
    });
    const local = ok(
      await dev('POST', '/guardrails', { token: a.adminToken, body }),
      201,
      ZGuardrailWithSecret,
    );
    expect(local.signingSecret).toMatch(/^tgs_/);
    await call('DELETE', `/guardrails/${local.id}`, { token: a.adminToken });
  });

  it('lets a member read but not write', async () => {
    const guardrail = ok(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { ...GUARDRAIL, name: 'members read' },
      }),
      201,
      ZGuardrail,
    );
    ok(await call('GET', `/guardrails/${guardrail.id}`, { token: a.memberToken }), 200, ZGuardrail);
    ok(await call('GET', '/guardrails', { token: a.memberToken }), 200, ZGuardrailList);
    for (const [method, path, body] of [
      ['POST', '/guardrails', { ...GUARDRAIL, name: 'by a member' }],
      ['PATCH', `/guardrails/${guardrail.id}`, { enabled: false }],
      ['PATCH', `/guardrails/${guardrail.id}`, { rotateSecret: true }],
      ['DELETE', `/guardrails/${guardrail.id}`, undefined],
    ] as const)
      failed(await call(method, path, { token: a.memberToken, body }), 403, 'FORBIDDEN');
    expect(
      ok(await call('GET', `/guardrails/${guardrail.id}`, { token: a.adminToken }), 200, ZGuardrail),
    ).toEqual(guardrail);
    await call('DELETE', `/guardrails/${guardrail.id}`, { token: a.adminToken });
  });

  it("neither shows nor touches another workspace's guardrails, nor takes its gateways", async () => {
    const theirs = ok(
      await call('POST', '/guardrails', {
        token: b.adminToken,
        body: { ...GUARDRAIL, name: 'theirs', external: { url: ENDPOINT } },
      }),
      201,
      ZGuardrailWithSecret,
    );
    const theirGateway = await seedGateway(env.db.db, b.tenant.id);
    const mine = await seedGateway(env.db.db, a.tenant.id);
    const listed = ok(await call('GET', '/guardrails', { token: a.adminToken }), 200, ZGuardrailList);
    expect(listed.guardrails.map((g) => g.id)).not.toContain(theirs.id);
    for (const [method, path, body] of [
      ['GET', `/guardrails/${theirs.id}`, undefined],
      ['PATCH', `/guardrails/${theirs.id}`, { enabled: false }],
      ['PATCH', `/guardrails/${theirs.id}`, { rotateSecret: true }],
      ['DELETE', `/guardrails/${theirs.id}`, undefined],
      ['POST', '/guardrails', { ...GUARDRAIL, name: 'their gateway', gatewayIds: [theirGateway.id] }],
    ] as const)
      failed(await call(method, path, { token: a.adminToken, body }), 404, 'NOT_FOUND');
    const mineGuardrail = ok(
      await call('POST', '/guardrails', {
        token: a.adminToken,
        body: { ...GUARDRAIL, name: 'mine', gatewayIds: [mine.id] },
      }),
      201,
      ZGuardrail,
    );
    const onUpdate = failed(
      await call('PATCH', `/guardrails/${mineGuardrail.id}`, {
        token: a.adminToken,
        body: { gatewayIds: [mine.id, theirGateway.id] },
      }),
      404,
      'NOT_FOUND',
    );
    expect(onUpdate.fields).toEqual([
      { path: 'gatewayIds', message: `gateway ${theirGateway.id} not found` },
    ]);
    const { signingSecret: _secret, ...theirView } = theirs;
    expect(
      ok(await call('GET', `/guardrails/${theirs.id}`, { token: b.adminToken }), 200, ZGuardrail),
    ).toEqual(theirView);
    const [theirRow] = await env.db.db.select().from(guardrails).where(eq(guardrails.id, theirs.id));
    expect(openString(env.secretKeys, theirRow!.externalSecretSealed!, guardrailSecretAad(theirs.id))).toBe(
      theirs.signingSecret,
    );
    await call('DELETE', `/guardrails/${mineGuardrail.id}`, { token: a.adminToken });
    await call('DELETE', `/guardrails/${theirs.id}`, { token: b.adminToken });
  });

  it('is described in the OpenAPI document under Guardrails', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as {
      tags: { name: string }[];
      paths: Record<
        string,
        Record<string, { tags: string[]; operationId: string; requestBody?: unknown; responses: object }>
      >;
    };
    expect(Object.keys(doc.paths['/guardrails']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/guardrails/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/guardrails']!.post!.tags).toEqual(['Guardrails']);
    expect(doc.tags.map((t) => t.name)).toContain('Guardrails');
    expect(JSON.stringify(doc.paths['/guardrails']!.post!.requestBody)).toContain('failMode');
    expect(JSON.stringify(doc.paths['/guardrails/{id}']!.patch!.requestBody)).toContain('rotateSecret');
    expect(JSON.stringify(doc.paths['/guardrails']!.post!.responses)).toContain('signingSecret');
    expect(JSON.stringify(doc.paths['/guardrails/{id}']!.get!.responses)).not.toContain('signingSecret');
  });
});
