import { seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZRegistryEntry, ZRegistryEntryList } from '../schemas/registry.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
});
afterAll(async () => {
  await env?.close();
});

const newEntry = async (org: SeededOrg) =>
  ok(
    await call('POST', '/registry', {
      token: org.adminToken,
      body: {
        slug: `srv-${crypto.randomUUID().slice(0, 8)}`,
        name: 'Server',
        transport: 'streamable_http',
        url: 'https://mcp.example.test/mcp',
      },
    }),
    201,
    ZRegistryEntry,
  );

describe('registry entries over REST', () => {
  it('are edited field by field, checked as a whole, and keep what the patch leaves out', async () => {
    const entry = await newEntry(a);
    const edited = ok(
      await call('PATCH', `/registry/${entry.id}`, {
        token: a.adminToken,
        body: { name: 'Renamed', description: 'Now described' },
      }),
      200,
      ZRegistryEntry,
    );
    expect(edited).toMatchObject({
      name: 'Renamed',
      description: 'Now described',
      slug: entry.slug,
      url: 'https://mcp.example.test/mcp',
    });
    const badUrl = failed(
      await call('PATCH', `/registry/${entry.id}`, { token: a.adminToken, body: { url: 'ftp://nope' } }),
      422,
      'INVALID',
    );
    expect(JSON.stringify(badUrl)).toContain('url');
    const other = await newEntry(a);
    failed(
      await call('PATCH', `/registry/${entry.id}`, { token: a.adminToken, body: { slug: other.slug } }),
      409,
      'CONFLICT',
    );
    failed(await call('PATCH', `/registry/${entry.id}`, { token: a.adminToken, body: {} }), 422, 'INVALID');
    failed(
      await call('PATCH', `/registry/${entry.id}`, { token: a.memberToken, body: { name: 'Mine' } }),
      403,
      'FORBIDDEN',
    );
  });

  it('are removed only once no installation uses them, naming those that do', async () => {
    const entry = await newEntry(a);
    const installed = await seedInstallation(env.db.db, a.tenant.id, entry.id, { name: 'Production' });
    const refused = failed(
      await call('DELETE', `/registry/${entry.id}`, { token: a.adminToken }),
      409,
      'CONFLICT',
    );
    expect(refused.message).toContain('"Production"');
    const { installations } = await import('@toolgate/db/schema');
    const { eq } = await import('drizzle-orm');
    await env.db.db.delete(installations).where(eq(installations.id, installed.id));
    expect((await call('DELETE', `/registry/${entry.id}`, { token: a.adminToken })).status).toBe(204);
    const listed = ok(await call('GET', '/registry', { token: a.adminToken }), 200, ZRegistryEntryList);
    expect(listed.entries.map((e) => e.id)).not.toContain(entry.id);
    failed(await call('DELETE', `/registry/${entry.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
  });

  it("leave the built-in catalog and another tenant's entries untouched", async () => {
    const builtIn = await seedRegistryEntry(env.db.db, null);
    const theirs = await newEntry(b);
    for (const id of [builtIn.id, theirs.id]) {
      failed(
        await call('PATCH', `/registry/${id}`, { token: a.adminToken, body: { name: 'x' } }),
        404,
        'NOT_FOUND',
      );
      failed(await call('DELETE', `/registry/${id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    }
    const still = ok(await call('GET', '/registry', { token: b.adminToken }), 200, ZRegistryEntryList);
    expect(still.entries.find((e) => e.id === theirs.id)?.name).toBe('Server');
  });
});
