import { openString } from '@toolgate/core/crypto';
import { auditEvents, tenants } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZApprovalWebhook, ZApprovalWebhookChange } from '../schemas/approval-webhook.ts';
import {
  APPROVAL_WEBHOOK_METHOD,
  approvalWebhookSecretAad,
  setApprovalWebhook,
} from '../services/approvals/index.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
/** As production runs: private addresses refused. */
let call: RestCall;
/** As development runs with TOOLGATE_ALLOW_PRIVATE_UPSTREAMS=true. */
let callDev: RestCall;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  const deps = {
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    secretKeys: env.secretKeys,
  };
  call = restClient(deps);
  callDev = restClient({ ...deps, allowPrivateUpstreams: true });
});
afterAll(async () => {
  await env?.close();
});

const PATH = '/settings/approval-webhook';

async function storedWebhook(tenantId: string) {
  const [row] = await env.db.db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  return row!.settings.approvalWebhook;
}

async function auditOf(tenantId: string) {
  return env.db.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.method, APPROVAL_WEBHOOK_METHOD)));
}

describe('REST /settings/approval-webhook', () => {
  it('is set with a signing secret shown once, kept sealed, changed, rotated and removed, each audited', async () => {
    expect(ok(await call('GET', PATH, { token: a.adminToken }), 200, ZApprovalWebhook)).toEqual({
      configured: false,
      url: null,
      secretCreatedAt: null,
      previousSecretExpiresAt: null,
    });

    const created = ok(
      await callDev('PUT', PATH, { token: a.adminToken, body: { url: 'http://127.0.0.1:9/hook?token=abc' } }),
      200,
      ZApprovalWebhookChange,
    );
    expect(created.secret).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/);
    expect(created.webhook).toMatchObject({ configured: true, url: 'http://127.0.0.1:9/hook?token=abc' });
    const stored = await storedWebhook(a.tenant.id);
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(openString(env.secretKeys, stored!.secretSealed, approvalWebhookSecretAad(a.tenant.id))).toBe(
      created.secret,
    );

    // Read back: never the secret.
    const read = await call('GET', PATH, { token: a.adminToken });
    expect(JSON.stringify(read.json)).not.toContain(created.secret!);

    const moved = ok(
      await callDev('PUT', PATH, { token: a.adminToken, body: { url: 'http://localhost:9/other' } }),
      200,
      ZApprovalWebhookChange,
    );
    expect(moved.secret).toBeNull();
    expect((await storedWebhook(a.tenant.id))!.secretSealed).toBe(stored!.secretSealed);

    const rotated = ok(
      await call('POST', `${PATH}/rotate-secret`, { token: a.adminToken }),
      200,
      ZApprovalWebhookChange,
    );
    expect(rotated.secret).toMatch(/^tgs_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.webhook.previousSecretExpiresAt).not.toBeNull();

    expect((await call('DELETE', PATH, { token: a.adminToken })).status).toBe(204);
    expect(ok(await call('GET', PATH, { token: a.adminToken }), 200, ZApprovalWebhook).configured).toBe(
      false,
    );
    expect(await storedWebhook(a.tenant.id)).toBeUndefined();
    failed(await call('POST', `${PATH}/rotate-secret`, { token: a.adminToken }), 404, 'NOT_FOUND');

    const audit = await auditOf(a.tenant.id);
    expect(audit.map((e) => (e.request as { action: string }).action).sort()).toEqual(
      ['changed', 'created', 'removed', 'rotated'].sort(),
    );
    const createdRow = audit.find((e) => (e.request as { action: string }).action === 'created');
    expect(createdRow).toMatchObject({
      principalType: 'token',
      status: 'ok',
      response: { before: { url: null }, after: { url: 'http://127.0.0.1:9/hook' } },
    });
    const everything = JSON.stringify(audit);
    for (const secret of [created.secret!, rotated.secret!, 'token=abc'])
      expect(everything).not.toContain(secret);
  });

  it('refuses URLs into private networks, and plain http, unless private upstreams are allowed', async () => {
    const refused = [
      ['http://hooks.example.test/x', 'must be an https:// URL'],
      ['https://10.1.2.3/hook', 'must not point to a private or loopback address'],
      ['https://169.254.169.254/latest/meta-data', 'must not point to a private or loopback address'],
      ['https://[::1]/hook', 'must not point to a private or loopback address'],
      ['https://localhost/hook', 'must not point to a private or loopback address'],
      ['https://user:pass@hooks.example.test/x', 'must not carry a user name or password'],
      ['not a url', 'must be a URL'],
    ];
    for (const [url, message] of refused) {
      const error = failed(await call('PUT', PATH, { token: a.adminToken, body: { url } }), 422, 'INVALID');
      expect(error.fields, url).toEqual([{ path: 'url', message }]);
    }
    // Allowed in development, but plain http only to this machine.
    ok(
      await callDev('PUT', PATH, { token: a.adminToken, body: { url: 'https://10.1.2.3/hook' } }),
      200,
      ZApprovalWebhookChange,
    );
    const elsewhere = failed(
      await callDev('PUT', PATH, { token: a.adminToken, body: { url: 'http://10.1.2.3/hook' } }),
      422,
      'INVALID',
    );
    expect(elsewhere.fields).toEqual([
      { path: 'url', message: 'must be an https:// URL (plain http only to localhost)' },
    ]);
    expect((await storedWebhook(a.tenant.id))!.url).toBe('https://10.1.2.3/hook');
    expect((await call('DELETE', PATH, { token: a.adminToken })).status).toBe(204);
  });

  it('lets members know a webhook exists, not where it points, and not change it', async () => {
    ok(
      await callDev('PUT', PATH, { token: a.adminToken, body: { url: 'http://127.0.0.1:9/members' } }),
      200,
      ZApprovalWebhookChange,
    );
    expect(ok(await call('GET', PATH, { token: a.memberToken }), 200, ZApprovalWebhook)).toEqual({
      configured: true,
      url: null,
      secretCreatedAt: null,
      previousSecretExpiresAt: null,
    });
    const mine = { token: a.memberToken, body: { url: 'http://127.0.0.1:9/mine' } };
    failed(await callDev('PUT', PATH, mine), 403, 'FORBIDDEN');
    failed(await call('POST', `${PATH}/rotate-secret`, { token: a.memberToken }), 403, 'FORBIDDEN');
    failed(await call('DELETE', PATH, { token: a.memberToken }), 403, 'FORBIDDEN');
    expect((await storedWebhook(a.tenant.id))!.url).toBe('http://127.0.0.1:9/members');
  });

  it('keeps each workspace’s webhook its own', async () => {
    ok(
      await callDev('PUT', PATH, { token: a.adminToken, body: { url: 'http://127.0.0.1:9/a' } }),
      200,
      ZApprovalWebhookChange,
    );
    const before = await storedWebhook(a.tenant.id);
    // B's admin reads, sets, rotates and removes B's, never A's.
    expect(ok(await call('GET', PATH, { token: b.adminToken }), 200, ZApprovalWebhook).configured).toBe(
      false,
    );
    ok(
      await callDev('PUT', PATH, { token: b.adminToken, body: { url: 'http://127.0.0.1:9/b' } }),
      200,
      ZApprovalWebhookChange,
    );
    ok(await call('POST', `${PATH}/rotate-secret`, { token: b.adminToken }), 200, ZApprovalWebhookChange);
    expect((await call('DELETE', PATH, { token: b.adminToken })).status).toBe(204);
    expect(await storedWebhook(a.tenant.id)).toEqual(before);
    expect(ok(await call('GET', PATH, { token: a.adminToken }), 200, ZApprovalWebhook).url).toBe(
      'http://127.0.0.1:9/a',
    );
    // A secret sealed for A does not open as B's.
    expect(() =>
      openString(env.secretKeys, before!.secretSealed, approvalWebhookSecretAad(b.tenant.id)),
    ).toThrow();
    expect(
      (await auditOf(b.tenant.id)).map((e) => (e.response as { after: { url: string | null } }).after.url),
    ).toEqual(expect.arrayContaining(['http://127.0.0.1:9/b', null]));
  });

  it('cannot make a secret without the server’s key ring', async () => {
    const err = await failureOf(() =>
      setApprovalWebhook({
        ...actingAs(env, b, 'owner'),
        secretKeys: undefined,
        allowPrivate: true,
        input: { url: 'http://127.0.0.1:9/b' },
      }),
    );
    expect(err.code).toBe('UNAVAILABLE');
  });
});
