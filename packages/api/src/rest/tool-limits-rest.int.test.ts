import { getErrorShape } from '@trpc/server';
import { tools } from '@toolgate/db/schema';
import { seedInstallation, seedRegistryEntry, seedTools } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';
import { ZTool, ZToolList } from '../schemas/installations.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { appRouter } from '../trpc/root.ts';
import { callerAs, testServices, trpcError } from '../trpc/testing/trpc-test-env.ts';

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

const MESSAGE = 'must be a whole number from 1 to 1,000,000, or empty for none';

async function world(org: SeededOrg) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id);
  const installation = await seedInstallation(env.db.db, org.tenant.id, entry.id);
  const [tool] = await seedTools(env.db.db, org.tenant.id, installation.id, [{ name: 'search' }]);
  return { installation, tool: tool! };
}

async function storedLimit(toolId: string): Promise<number | null> {
  const [row] = await env.db.db.select({ v: tools.callsPerMinute }).from(tools).where(eq(tools.id, toolId));
  return row!.v;
}

describe('REST tool limits', () => {
  it('sets callsPerMinute on PATCH /installations/{id}/tools/{toolId}, alone or with the other fields, and clears it with null', async () => {
    const { installation, tool } = await world(a);
    const path = `/installations/${installation.id}/tools/${tool.id}`;
    const set = ok(
      await call('PATCH', path, { token: a.adminToken, body: { callsPerMinute: 60 } }),
      200,
      ZTool,
    );
    expect(set).toMatchObject({ id: tool.id, callsPerMinute: 60, enabled: true });
    const listed = ok(
      await call('GET', `/installations/${installation.id}/tools`, { token: a.adminToken }),
      200,
      ZToolList,
    );
    expect(listed.tools.map((t) => [t.name, t.callsPerMinute])).toEqual([['search', 60]]);

    const together = ok(
      await call('PATCH', path, {
        token: a.adminToken,
        body: { callsPerMinute: 5, enabled: false, labels: ['web'] },
      }),
      200,
      ZTool,
    );
    expect(together).toMatchObject({ callsPerMinute: 5, enabled: false, labels: ['web'] });
    // Other fields alone leave the limit as it is.
    const enabledOnly = ok(
      await call('PATCH', path, { token: a.adminToken, body: { enabled: true } }),
      200,
      ZTool,
    );
    expect(enabledOnly.callsPerMinute).toBe(5);

    const cleared = ok(
      await call('PATCH', path, { token: a.adminToken, body: { callsPerMinute: null } }),
      200,
      ZTool,
    );
    expect(cleared.callsPerMinute).toBeNull();
    expect(await storedLimit(tool.id)).toBeNull();
  });

  it('refuses a bad value naming the field, and a member who does not manage the installation', async () => {
    const { installation, tool } = await world(a);
    const path = `/installations/${installation.id}/tools/${tool.id}`;
    for (const callsPerMinute of [0, 2.5, 1_000_001, '60', true]) {
      const bad = failed(
        await call('PATCH', path, { token: a.adminToken, body: { callsPerMinute, enabled: false } }),
        422,
        'INVALID',
      );
      expect(bad.fields).toEqual([{ path: 'callsPerMinute', message: MESSAGE }]);
    }
    failed(
      await call('PATCH', path, { token: a.memberToken, body: { callsPerMinute: 10 } }),
      403,
      'FORBIDDEN',
    );
    const [row] = await env.db.db.select().from(tools).where(eq(tools.id, tool.id));
    expect(row).toMatchObject({ callsPerMinute: null, enabled: true });
  });

  it("answers 404 for another workspace's installation or tool, and leaves it as it was", async () => {
    const theirs = await world(b);
    const mine = await world(a);
    for (const path of [
      `/installations/${theirs.installation.id}/tools/${theirs.tool.id}`,
      `/installations/${mine.installation.id}/tools/${theirs.tool.id}`,
    ]) {
      failed(
        await call('PATCH', path, { token: a.adminToken, body: { callsPerMinute: 1 } }),
        404,
        'NOT_FOUND',
      );
    }
    failed(
      await call('GET', `/installations/${theirs.installation.id}/tools`, { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
    expect(await storedLimit(theirs.tool.id)).toBeNull();
  });

  it('documents callsPerMinute in the OpenAPI request and tool schemas', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    const patch = doc.paths['/installations/{id}/tools/{toolId}']!.patch!;
    expect(JSON.stringify(patch.requestBody)).toContain('callsPerMinute');
    expect(JSON.stringify(patch.responses['200'])).toContain('callsPerMinute');
  });
});

describe('tRPC tool limits', () => {
  const caller = (org: SeededOrg, who: 'owner' | 'member') =>
    callerAs(env.db.db, testServices({ bus: env.bus }), org[who].id, org.tenant.slug);

  it('installations.setToolLimit sets and clears, refuses bad values and members, and never crosses workspaces', async () => {
    const { installation, tool } = await world(a);
    const owner = await caller(a, 'owner');
    const id = installation.id;
    await expect(
      owner.installations.setToolLimit({ id, toolId: tool.id, callsPerMinute: 30 }),
    ).resolves.toMatchObject({ id: tool.id, callsPerMinute: 30 });
    expect((await owner.installations.tools({ id })).map((t) => t.callsPerMinute)).toEqual([30]);

    const bad = await trpcError(owner.installations.setToolLimit({ id, toolId: tool.id, callsPerMinute: 0 }));
    expect(bad.code).toBe('BAD_REQUEST');
    // What the web form shows under the field (the error formatter's shape).
    const shape = getErrorShape({
      config: appRouter._def._config,
      error: bad,
      type: 'mutation',
      path: 'installations.setToolLimit',
      input: undefined,
      ctx: undefined,
    });
    expect(shape.message).toBe(`callsPerMinute: ${MESSAGE}`);
    expect((shape.data as { fields: unknown }).fields).toEqual({
      callsPerMinute: 'Must be a whole number from 1 to 1,000,000, or empty for none',
    });

    const member = await caller(a, 'member');
    expect(
      (await trpcError(member.installations.setToolLimit({ id, toolId: tool.id, callsPerMinute: null })))
        .code,
    ).toBe('FORBIDDEN');

    const ownerB = await caller(b, 'owner');
    expect(
      (await trpcError(ownerB.installations.setToolLimit({ id, toolId: tool.id, callsPerMinute: 1 }))).code,
    ).toBe('NOT_FOUND');
    expect(await storedLimit(tool.id)).toBe(30);

    await expect(
      owner.installations.setToolLimit({ id, toolId: tool.id, callsPerMinute: null }),
    ).resolves.toMatchObject({ callsPerMinute: null });
    expect(await storedLimit(tool.id)).toBeNull();
  });
});
