import { installationRequests, installations, tools } from '@toolgate/db/schema';
import { seedTeam } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ZApprovedInstallationRequest,
  ZInstallationRequest,
  ZInstallationRequestList,
} from '../schemas/installation-requests.ts';
import {
  ZDiscoveredInstallation,
  ZInstallation,
  ZInstallationDetail,
  ZInstallationList,
  ZTool,
} from '../schemas/installations.ts';
import { ZRegistryEntry } from '../schemas/registry.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let everything: RunningEverythingServer;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  [{ env, a, b }, everything] = await Promise.all([
    createTwoTenantEnv(),
    startEverythingServer('streamableHttp'),
  ]);
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    secretKeys: env.secretKeys,
    allowPrivateUpstreams: true,
  });
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
});

async function newEntry(org: SeededOrg) {
  return ok(
    await call('POST', '/registry', {
      token: org.adminToken,
      body: {
        slug: `ev-${crypto.randomUUID().slice(0, 8)}`,
        name: 'Everything',
        transport: 'streamable_http',
        url: everything.url,
        installFields: [{ key: 'apiKey', label: 'API key', secret: true, required: true }],
      },
    }),
    201,
    ZRegistryEntry,
  );
}

describe('installation requests over REST', () => {
  it('a member asks, an admin approves with credentials; duplicates and members deciding are refused', async () => {
    const entry = await newEntry(a);
    const asked = ok(
      await call('POST', '/installation-requests', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org', reason: 'for the support team' },
      }),
      201,
      ZInstallationRequest,
    );
    expect(asked).toMatchObject({ status: 'pending', requestedBy: { id: a.member.id } });
    failed(
      await call('POST', '/installation-requests', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      409,
      'CONFLICT',
    );
    failed(
      await call('POST', '/installations', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org', values: { apiKey: 'x' } },
      }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('POST', `/installation-requests/${asked.id}/approve`, {
        token: a.memberToken,
        body: { values: { apiKey: 'x' } },
      }),
      403,
      'FORBIDDEN',
    );
    const mine = ok(
      await call('GET', '/installation-requests', { token: a.memberToken }),
      200,
      ZInstallationRequestList,
    );
    expect(mine.requests.map((r) => r.id)).toContain(asked.id);
    expect(mine.requests.every((r) => r.requestedBy?.id === a.member.id)).toBe(true);

    const missing = failed(
      await call('POST', `/installation-requests/${asked.id}/approve`, { token: a.adminToken, body: {} }),
      422,
      'INVALID',
    );
    expect(missing.fields).toEqual([{ path: 'values.apiKey', message: 'API key is required' }]);
    const approved = ok(
      await call('POST', `/installation-requests/${asked.id}/approve`, {
        token: a.adminToken,
        body: { values: { apiKey: 'sk-rest-secret' } },
      }),
      200,
      ZApprovedInstallationRequest,
    );
    expect(approved.request).toMatchObject({ status: 'approved', decidedBy: null });
    expect(approved.installation.installation).toMatchObject({
      scope: 'org',
      status: 'ready',
      hasCredentials: true,
    });
    expect(JSON.stringify(approved)).not.toContain('sk-rest-secret');
    expect(approved.request.installationId).toBe(approved.installation.installation.id);
  });

  it('rejects with a note; the requester cancels their own', async () => {
    const entry = await newEntry(a);
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const first = ok(
      await call('POST', '/installation-requests', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'team', teamId: team.id },
      }),
      201,
      ZInstallationRequest,
    );
    const rejected = ok(
      await call('POST', `/installation-requests/${first.id}/reject`, {
        token: a.adminToken,
        body: { note: 'Use the org one' },
      }),
      200,
      ZInstallationRequest,
    );
    expect(rejected).toMatchObject({
      status: 'rejected',
      decisionNote: 'Use the org one',
      teamName: team.name,
    });
    failed(
      await call('POST', `/installation-requests/${first.id}/reject`, { token: a.adminToken, body: {} }),
      409,
      'CONFLICT',
    );

    const second = ok(
      await call('POST', '/installation-requests', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      201,
      ZInstallationRequest,
    );
    // An org admin token acts for no user: it cannot be the requester.
    failed(
      await call('POST', `/installation-requests/${second.id}/cancel`, { token: a.adminToken }),
      403,
      'FORBIDDEN',
    );
    const cancelled = ok(
      await call('POST', `/installation-requests/${second.id}/cancel`, { token: a.memberToken }),
      200,
      ZInstallationRequest,
    );
    expect(cancelled.status).toBe('cancelled');
  });
});

describe('installations over REST', () => {
  it('lists, reads, disables a tool and the installation, and deletes', async () => {
    const entry = await newEntry(a);
    const installed = ok(
      await call('POST', '/installations', {
        token: a.adminToken,
        body: { registryEntryId: entry.id, scope: 'org', values: { apiKey: 'k' } },
      }),
      201,
      ZDiscoveredInstallation,
    );
    const id = installed.installation.id;
    const listed = ok(await call('GET', '/installations', { token: a.memberToken }), 200, ZInstallationList);
    expect(listed.installations.map((i) => i.installation.id)).toContain(id);
    const detail = ok(
      await call('GET', `/installations/${id}`, { token: a.memberToken }),
      200,
      ZInstallationDetail,
    );
    expect(detail).toMatchObject({ installation: { id }, pinnedBy: [] });

    const echo = installed.tools.find((t) => t.name === 'echo')!;
    const off = ok(
      await call('PATCH', `/installations/${id}/tools/${echo.id}`, {
        token: a.adminToken,
        body: { enabled: false },
      }),
      200,
      ZTool,
    );
    expect(off).toMatchObject({ id: echo.id, enabled: false });
    failed(
      await call('PATCH', `/installations/${id}/tools/${echo.id}`, {
        token: a.adminToken,
        body: { enabled: 'no' },
      }),
      422,
      'INVALID',
    );
    failed(
      await call('PATCH', `/installations/${id}`, { token: a.memberToken, body: { enabled: false } }),
      403,
      'FORBIDDEN',
    );
    const disabled = ok(
      await call('PATCH', `/installations/${id}`, { token: a.adminToken, body: { enabled: false } }),
      200,
      ZInstallation,
    );
    expect(disabled.enabled).toBe(false);

    // Rename and rotate the secret in one PATCH; a second install under the same name is refused.
    const [sealedBefore] = await env.db.db.select().from(installations).where(eq(installations.id, id));
    const renamed = ok(
      await call('PATCH', `/installations/${id}`, {
        token: a.adminToken,
        body: { name: 'Primary', values: { apiKey: 'rotated' }, enabled: true },
      }),
      200,
      ZInstallation,
    );
    expect(renamed).toMatchObject({ name: 'Primary', enabled: true, hasCredentials: true });
    const [sealedAfter] = await env.db.db.select().from(installations).where(eq(installations.id, id));
    expect(sealedAfter!.credentialsSealed).not.toBe(sealedBefore!.credentialsSealed);
    const twin = failed(
      await call('POST', '/installations', {
        token: a.adminToken,
        body: { registryEntryId: entry.id, scope: 'org', name: 'primary', values: { apiKey: 'k' } },
      }),
      409,
      'CONFLICT',
    );
    expect(JSON.stringify(twin)).toContain('another name');
    failed(
      await call('PATCH', `/installations/${id}`, { token: a.memberToken, body: { name: 'Mine' } }),
      403,
      'FORBIDDEN',
    );
    failed(await call('PATCH', `/installations/${id}`, { token: a.adminToken, body: {} }), 422, 'INVALID');

    const deleted = await call('DELETE', `/installations/${id}`, { token: a.adminToken });
    expect(deleted.status).toBe(204);
    failed(await call('GET', `/installations/${id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
  });
});

describe("another tenant's requests, installations and tools", () => {
  it("are invisible and untouchable with tenant B's admin token", async () => {
    const entry = await newEntry(a);
    const request = ok(
      await call('POST', '/installation-requests', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      201,
      ZInstallationRequest,
    );
    const installed = ok(
      await call('POST', '/installations', {
        token: a.adminToken,
        body: { registryEntryId: entry.id, scope: 'org', values: { apiKey: 'k' } },
      }),
      201,
      ZDiscoveredInstallation,
    );
    const id = installed.installation.id;
    const toolId = installed.tools[0]!.id;
    const B = b.adminToken;

    const theirRequests = ok(
      await call('GET', '/installation-requests', { token: B }),
      200,
      ZInstallationRequestList,
    );
    expect(theirRequests.requests.map((r) => r.id)).not.toContain(request.id);
    const theirInstallations = ok(await call('GET', '/installations', { token: B }), 200, ZInstallationList);
    expect(theirInstallations.installations.map((i) => i.installation.id)).not.toContain(id);

    for (const [method, path, body] of [
      ['POST', `/installation-requests/${request.id}/approve`, { values: { apiKey: 'x' } }],
      ['POST', `/installation-requests/${request.id}/reject`, { note: 'no' }],
      ['POST', `/installation-requests/${request.id}/cancel`, undefined],
      ['POST', '/installation-requests', { registryEntryId: entry.id, scope: 'org' }],
      ['GET', `/installations/${id}`, undefined],
      ['GET', `/installations/${id}/tools`, undefined],
      ['PATCH', `/installations/${id}`, { enabled: false }],
      ['PATCH', `/installations/${id}`, { name: 'taken over' }],
      ['POST', `/installations/${id}/check`, undefined],
      ['PATCH', `/installations/${id}/tools/${toolId}`, { enabled: false }],
      ['POST', `/installations/${id}/discover`, undefined],
      ['DELETE', `/installations/${id}`, undefined],
    ] as const) {
      failed(await call(method, path, { token: B, body }), 404, 'NOT_FOUND');
    }
    const [requestRow] = await env.db.db
      .select()
      .from(installationRequests)
      .where(eq(installationRequests.id, request.id));
    expect(requestRow!.status).toBe('pending');
    const [installationRow] = await env.db.db.select().from(installations).where(eq(installations.id, id));
    expect(installationRow!.enabled).toBe(true);
    const [toolRow] = await env.db.db.select().from(tools).where(eq(tools.id, toolId));
    expect(toolRow!.enabled).toBe(true);
  });
});
