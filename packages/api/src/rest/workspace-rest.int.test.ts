import { tenants } from '@toolgate/db/schema';
import { purgeDeletedTenants, listUserMemberships } from '@toolgate/db/tenancy';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ZWorkspace } from '../schemas/workspace.ts';
import { createTwoTenantEnv, seedOrg, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let call: RestCall;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
});
afterAll(async () => {
  await env?.close();
});

/** A token of the owner (workspace routes act on the token's own workspace). */
async function ownerToken(org: SeededOrg) {
  const { seedApiToken } = await import('@toolgate/db/testing');
  return (
    await seedApiToken(env.db.db, org.tenant.id, {
      scope: 'user',
      userId: org.owner.id,
      capabilities: ['admin'],
    })
  ).token;
}

describe('the workspace over REST', () => {
  it('is renamed by admins; a taken slug is a field error; members may not', async () => {
    const org = await seedOrg(env.db);
    const renamed = ok(
      await call('PATCH', '/workspace', {
        token: org.adminToken,
        body: { name: 'Renamed Inc', slug: `${org.tenant.slug}-x` },
      }),
      200,
      ZWorkspace,
    );
    expect(renamed).toMatchObject({ id: org.tenant.id, name: 'Renamed Inc', slug: `${org.tenant.slug}-x` });
    const taken = failed(
      await call('PATCH', '/workspace', { token: org.adminToken, body: { slug: b.tenant.slug } }),
      409,
      'CONFLICT',
    );
    expect(JSON.stringify(taken)).toContain('slug');
    failed(
      await call('PATCH', '/workspace', { token: org.memberToken, body: { name: 'Mine' } }),
      403,
      'FORBIDDEN',
    );
    const [other] = await env.db.db.select().from(tenants).where(eq(tenants.id, b.tenant.id));
    expect(other!.slug).toBe(b.tenant.slug);
  });

  it('is handed over by its owner only, to a member', async () => {
    const org = await seedOrg(env.db);
    failed(
      await call('POST', '/workspace/transfer-ownership', {
        token: org.adminToken,
        body: { userId: org.member.id },
      }),
      403,
      'FORBIDDEN',
    );
    const token = await ownerToken(org);
    failed(
      await call('POST', '/workspace/transfer-ownership', { token, body: { userId: b.owner.id } }),
      404,
      'NOT_FOUND',
    );
    ok(
      await call('POST', '/workspace/transfer-ownership', { token, body: { userId: org.member.id } }),
      200,
      z.object({ ownerId: z.literal(org.member.id) }),
    );
    const roles = await listUserMemberships(env.db.db, org.member.id);
    expect(roles.find((m) => m.tenantId === org.tenant.id)?.role).toBe('owner');
  });

  it('is deleted by its owner typing its slug: gone for members and tokens at once, purged by the worker', async () => {
    const org = await seedOrg(env.db);
    const token = await ownerToken(org);
    failed(await call('DELETE', '/workspace?confirm=wrong', { token }), 422, 'INVALID');
    failed(
      await call('DELETE', `/workspace?confirm=${org.tenant.slug}`, { token: org.adminToken }),
      403,
      'FORBIDDEN',
    );
    expect((await call('DELETE', `/workspace?confirm=${org.tenant.slug}`, { token })).status).toBe(204);
    expect((await listUserMemberships(env.db.db, org.owner.id)).map((m) => m.tenantId)).not.toContain(
      org.tenant.id,
    );
    failed(await call('GET', '/gateways', { token: org.adminToken }), 401, 'UNAUTHORIZED');
    // B is untouched, and the purge takes A's rows.
    expect((await call('GET', '/gateways', { token: b.adminToken })).status).toBe(200);
    expect(await purgeDeletedTenants(env.db.db)).toBeGreaterThanOrEqual(1);
    expect(await env.db.db.select().from(tenants).where(eq(tenants.id, org.tenant.id))).toEqual([]);
    expect(await env.db.db.select().from(tenants).where(eq(tenants.id, b.tenant.id))).toHaveLength(1);
  });
});
