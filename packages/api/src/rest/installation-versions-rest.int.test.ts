import { seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZCanaryReport, ZOfferedVersions } from '../schemas/installation-versions.ts';
import { ZInstallation } from '../schemas/installations.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { startNpmRegistryFixture, type NpmRegistryFixture } from '../testing/npm-registry-fixture.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

const PACKAGE = '@modelcontextprotocol/server-everything';
let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;
let registry: NpmRegistryFixture;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  registry = await startNpmRegistryFixture({
    [PACKAGE]: { versions: ['2025.9.12', '2025.12.18', '2026.1.14', '2026.8.31'], latest: '2026.8.31' },
  });
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    npmRegistry: { registryUrl: registry.url, timeoutMs: 2_000 },
  });
});
afterAll(async () => {
  await registry?.close();
  await env?.close();
});

async function packaged(org: SeededOrg) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id, {
    transport: 'stdio',
    url: null,
    package: PACKAGE,
    version: '2025.12.18',
  });
  return seedInstallation(env.db.db, org.tenant.id, entry.id);
}

describe('REST /installations/{id}/versions, /pinned-version, /canary', () => {
  it('lists versions, pins one, runs a canary, compares it, and promotes it', async () => {
    const { id } = await packaged(a);
    const token = a.adminToken;
    const versions = ok(await call('GET', `/installations/${id}/versions`, { token }), 200, ZOfferedVersions);
    expect(versions).toMatchObject({ package: PACKAGE, stableVersion: '2025.12.18', latest: '2026.8.31' });
    expect(versions.versions.map((v) => v.version)).toEqual([
      '2026.8.31',
      '2026.1.14',
      '2025.12.18',
      '2025.9.12',
    ]);

    const pinned = ok(
      await call('PUT', `/installations/${id}/pinned-version`, { token, body: { version: '2026.1.14' } }),
      200,
      ZInstallation,
    );
    expect(pinned).toMatchObject({ id, pinnedVersion: '2026.1.14', canary: null });

    const started = ok(
      await call('POST', `/installations/${id}/canary`, {
        token,
        body: { version: '2026.8.31', percent: 20 },
      }),
      201,
      ZInstallation,
    );
    expect(started.canary).toMatchObject({ version: '2026.8.31', percent: 20 });

    const report = ok(await call('GET', `/installations/${id}/canary`, { token }), 200, ZCanaryReport);
    expect(report.comparison).toMatchObject({
      stable: { version: '2026.1.14', calls: 0, errorRate: 0, p50Ms: null },
      canary: { version: '2026.8.31', calls: 0, errorRate: 0, p95Ms: null },
    });

    const promoted = ok(
      await call('POST', `/installations/${id}/canary/promote`, { token }),
      200,
      ZInstallation,
    );
    expect(promoted).toMatchObject({ pinnedVersion: '2026.8.31', canary: null });
    const none = ok(await call('GET', `/installations/${id}/canary`, { token }), 200, ZCanaryReport);
    expect(none).toMatchObject({ canary: null, comparison: null });
  });

  it('rolls back with DELETE, and answers 409 when there is no canary', async () => {
    const { id } = await packaged(a);
    const token = a.adminToken;
    ok(
      await call('POST', `/installations/${id}/canary`, {
        token,
        body: { version: '2026.8.31', percent: 5 },
      }),
      201,
      ZInstallation,
    );
    const back = ok(await call('DELETE', `/installations/${id}/canary`, { token }), 200, ZInstallation);
    expect(back).toMatchObject({ pinnedVersion: null, canary: null });
    failed(await call('DELETE', `/installations/${id}/canary`, { token }), 409, 'CONFLICT');
    failed(await call('POST', `/installations/${id}/canary/promote`, { token }), 409, 'CONFLICT');
  });

  it('answers bad input with field errors: no exact version, a share outside 1–99, unknown fields', async () => {
    const { id } = await packaged(a);
    const token = a.adminToken;
    const range = failed(
      await call('PUT', `/installations/${id}/pinned-version`, { token, body: { version: '^2026.1.0' } }),
      422,
      'INVALID',
    );
    expect(range.fields?.[0]?.path).toBe('version');
    const share = failed(
      await call('POST', `/installations/${id}/canary`, {
        token,
        body: { version: '2026.8.31', percent: 100 },
      }),
      422,
      'INVALID',
    );
    expect(share.fields?.[0]?.path).toBe('percent');
    failed(
      await call('POST', `/installations/${id}/canary`, {
        token,
        body: { version: '2026.8.31', percent: 5, x: 1 },
      }),
      422,
      'INVALID',
    );
    const missing = failed(
      await call('PUT', `/installations/${id}/pinned-version`, { token, body: { version: '1.0.0' } }),
      422,
      'INVALID',
    );
    expect(missing.message).toMatch(/offers no version 1\.0\.0/);
    failed(
      await call('PUT', `/installations/${id}/pinned-version`, { token, rawBody: '{' }),
      400,
      'BAD_REQUEST',
    );
  });

  it('409 for a server that is not packaged, 503 when the registry is down, 403 for members', async () => {
    const remote = await seedInstallation(
      env.db.db,
      a.tenant.id,
      (await seedRegistryEntry(env.db.db, a.tenant.id)).id,
    );
    failed(
      await call('GET', `/installations/${remote.id}/versions`, { token: a.adminToken }),
      409,
      'CONFLICT',
    );

    const { id } = await packaged(a);
    const down = await startNpmRegistryFixture();
    await down.close();
    const offline = restClient({
      db: env.db.db,
      bus: env.bus,
      publicMcpUrl: 'https://mcp.example.test',
      npmRegistry: { registryUrl: down.url },
    });
    failed(
      await offline('GET', `/installations/${id}/versions`, { token: a.adminToken }),
      503,
      'UNAVAILABLE',
    );

    failed(
      await call('PUT', `/installations/${id}/pinned-version`, {
        token: a.memberToken,
        body: { version: '2026.1.14' },
      }),
      403,
      'FORBIDDEN',
    );
    // Members read.
    ok(await call('GET', `/installations/${id}/versions`, { token: a.memberToken }), 200, ZOfferedVersions);
  });

  it("404 for another workspace's installation", async () => {
    const { id } = await packaged(a);
    const token = b.adminToken;
    failed(await call('GET', `/installations/${id}/versions`, { token }), 404, 'NOT_FOUND');
    failed(await call('GET', `/installations/${id}/canary`, { token }), 404, 'NOT_FOUND');
    failed(
      await call('PUT', `/installations/${id}/pinned-version`, { token, body: { version: '2026.1.14' } }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('POST', `/installations/${id}/canary`, {
        token,
        body: { version: '2026.8.31', percent: 5 },
      }),
      404,
      'NOT_FOUND',
    );
    failed(await call('POST', `/installations/${id}/canary/promote`, { token }), 404, 'NOT_FOUND');
    failed(await call('DELETE', `/installations/${id}/canary`, { token }), 404, 'NOT_FOUND');
  });

  it('documents the routes in the OpenAPI document', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/installations/{id}/versions']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/installations/{id}/pinned-version']!)).toEqual(['put']);
    expect(Object.keys(doc.paths['/installations/{id}/canary']!).sort()).toEqual(['delete', 'get', 'post']);
    expect(Object.keys(doc.paths['/installations/{id}/canary/promote']!)).toEqual(['post']);
  });
});
