import { auditEvents } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZRegistryEntry } from '../../schemas/registry.ts';
import {
  ZDiscoveredInstallation,
  ZInstallation,
  ZInstallationDetail,
  ZInstallationList,
} from '../../schemas/installations.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { createOutboxMailer } from '../../testing/outbox-mailer.ts';
import { failed, ok, restClient, type RestCall } from '../../testing/rest-client.ts';
import { callerAs, testServices, trpcError } from '../../trpc/testing/trpc-test-env.ts';
import { startMutableToolsServer } from '../tool-changes/testing/mutable-tools-server.ts';
import { SERVER_VERSION_CHANGE_METHOD } from './record-server-version.ts';

const PUBLIC_WEB_URL = 'https://web.example.test';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let call: RestCall;
const mailer = createOutboxMailer();
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    publicWebUrl: PUBLIC_WEB_URL,
    mailer,
    secretKeys: env.secretKeys,
    allowPrivateUpstreams: true,
  });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await env?.close();
});

/** A real MCP server installed org-wide in `org` over REST, reporting `version`. */
async function installedOverRest(org: SeededOrg, version: string) {
  const upstream = await startMutableToolsServer([{ name: 'search', description: 'Search the docs' }]);
  closers.push(() => upstream.close());
  upstream.setVersion(version);
  const entry = ok(
    await call('POST', '/registry', {
      token: org.adminToken,
      body: {
        slug: `ver-${crypto.randomUUID().slice(0, 8)}`,
        name: 'Versioned',
        transport: 'streamable_http',
        url: upstream.url,
      },
    }),
    201,
    ZRegistryEntry,
  );
  const created = ok(
    await call('POST', '/installations', {
      token: org.adminToken,
      body: { registryEntryId: entry.id, scope: 'org' },
    }),
    201,
    ZDiscoveredInstallation,
  );
  return { upstream, id: created.installation.id, created };
}

const versionAudits = (org: SeededOrg) =>
  env.db.db
    .select()
    .from(auditEvents)
    .where(
      and(eq(auditEvents.tenantId, org.tenant.id), eq(auditEvents.method, SERVER_VERSION_CHANGE_METHOD)),
    );

describe('installation views carry the server version', () => {
  it('over REST: at install, after a change found by "Refresh tools" and by "Check now", in the list', async () => {
    const s = await installedOverRest(a, '4.0.0');
    expect(s.created.installation.serverInfo).toMatchObject({ name: 'mutable-tools', version: '4.0.0' });
    expect(s.created.installation.serverVersionChange).toBeNull();

    s.upstream.setVersion('4.1.0');
    const rediscovered = ok(
      await call('POST', `/installations/${s.id}/discover`, { token: a.adminToken }),
      200,
      ZDiscoveredInstallation,
    );
    expect(rediscovered.installation.serverVersionChange).toMatchObject({ from: '4.0.0', to: '4.1.0' });
    // The REST deps' mailer tells the admins.
    expect(
      mailer.messages
        .filter((m) => m.link.endsWith(s.id))
        .map((m) => m.to)
        .sort(),
    ).toEqual([a.owner.email, a.admin.email].sort());

    s.upstream.setVersion('4.2.0');
    const checked = ok(
      await call('POST', `/installations/${s.id}/check`, { token: a.adminToken }),
      200,
      ZInstallation,
    );
    expect(checked).toMatchObject({
      serverInfo: { version: '4.2.0' },
      serverVersionChange: { from: '4.1.0', to: '4.2.0' },
    });

    const detail = ok(
      await call('GET', `/installations/${s.id}`, { token: a.memberToken }),
      200,
      ZInstallationDetail,
    );
    expect(detail.installation.serverInfo).toEqual(checked.serverInfo);
    expect(detail.installation.serverVersionChange).toEqual(checked.serverVersionChange);
    const listed = ok(await call('GET', '/installations', { token: a.adminToken }), 200, ZInstallationList);
    expect(listed.installations.find((i) => i.installation.id === s.id)?.installation.serverInfo).toEqual(
      checked.serverInfo,
    );
  });

  it('over tRPC, to members of the workspace', async () => {
    const s = await installedOverRest(a, '5.0.0');
    s.upstream.setVersion('5.0.1');
    ok(
      await call('POST', `/installations/${s.id}/discover`, { token: a.adminToken }),
      200,
      ZDiscoveredInstallation,
    );
    const member = await callerAs(env.db.db, testServices({ bus: env.bus }), a.member.id, a.tenant.slug);
    const { installation } = await member.installations.get({ id: s.id });
    expect(installation).toMatchObject({
      serverInfo: { name: 'mutable-tools', version: '5.0.1' },
      serverVersionChange: { from: '5.0.0', to: '5.0.1' },
    });
    const listed = await member.installations.list();
    expect(listed.find((i) => i.installation.id === s.id)?.installation.serverVersionChange).toEqual(
      installation.serverVersionChange,
    );
  });

  it('to no other workspace, which neither reads nor refreshes them', async () => {
    const s = await installedOverRest(a, '6.0.0');
    const theirs = await installedOverRest(b, '7.0.0');
    s.upstream.setVersion('6.1.0');

    failed(await call('GET', `/installations/${s.id}`, { token: b.adminToken }), 404, 'NOT_FOUND');
    failed(await call('POST', `/installations/${s.id}/discover`, { token: b.adminToken }), 404, 'NOT_FOUND');
    failed(await call('POST', `/installations/${s.id}/check`, { token: b.adminToken }), 404, 'NOT_FOUND');
    const listed = ok(await call('GET', '/installations', { token: b.adminToken }), 200, ZInstallationList);
    const ids = listed.installations.map((i) => i.installation.id);
    expect(ids).toContain(theirs.id);
    expect(ids).not.toContain(s.id);
    expect(listed.installations.find((i) => i.installation.id === theirs.id)?.installation).toMatchObject({
      serverInfo: { version: '7.0.0' },
      serverVersionChange: null,
    });
    const other = await callerAs(env.db.db, testServices({ bus: env.bus }), b.owner.id, b.tenant.slug);
    expect((await trpcError(other.installations.get({ id: s.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(other.installations.discover({ id: s.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(other.installations.checkHealth({ id: s.id }))).code).toBe('NOT_FOUND');

    // B's attempts saw nothing: A's change is still unrecorded, and no workspace audited one.
    const aView = ok(
      await call('GET', `/installations/${s.id}`, { token: a.adminToken }),
      200,
      ZInstallationDetail,
    );
    expect(aView.installation).toMatchObject({ serverInfo: { version: '6.0.0' }, serverVersionChange: null });
    expect((await versionAudits(b)).filter((e) => e.installationId === s.id)).toEqual([]);
    expect((await versionAudits(a)).filter((e) => e.installationId === s.id)).toEqual([]);
  });
});
