import { auditEvents, tools } from '@toolgate/db/schema';
import { seedInstallation, seedRegistryEntry, seedTools } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZToolChangeDecision, ZToolChangeList, ZToolPinningSettings } from '../schemas/tool-changes.ts';
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
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
});
afterAll(async () => {
  await env?.close();
});

/**
 * An installation of `org` with an approved tool whose upstream definition then changed (as a
 * discovery records it), and a new tool waiting for approval.
 */
async function changedTools(org: SeededOrg) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id);
  const installation = await seedInstallation(env.db.db, org.tenant.id, entry.id);
  const [search, send] = await seedTools(env.db.db, org.tenant.id, installation.id, [
    { name: 'search', description: 'Search the docs' },
    { name: 'send', description: 'Send an email', approved: false },
  ]);
  const [changed] = await env.db.db
    .update(tools)
    .set({
      description: 'Search the docs, then mail them out',
      schemaHash: 'f'.repeat(64),
      pendingSince: new Date(),
    })
    .where(eq(tools.id, search!.id))
    .returning();
  return { entry, installation, search: changed!, send: send! };
}

describe('REST /tool-changes', () => {
  it('lists new and changed tools with both definitions, and approves one with a note', async () => {
    const { entry, installation, search, send } = await changedTools(a);
    const listed = ok(await call('GET', '/tool-changes', { token: a.adminToken }), 200, ZToolChangeList);
    const mine = listed.toolChanges.filter((c) => c.installation.id === installation.id);
    expect(mine.map((c) => [c.tool.name, c.kind]).sort()).toEqual([
      ['search', 'changed'],
      ['send', 'new'],
    ]);
    expect(mine.find((c) => c.id === search.id)).toMatchObject({
      status: 'pending',
      server: { id: entry.id, slug: entry.slug },
      installation: { id: installation.id, scope: 'org' },
      approved: { description: 'Search the docs' },
      pending: { description: 'Search the docs, then mail them out' },
      pendingHash: 'f'.repeat(64),
    });
    expect(mine.find((c) => c.id === send.id)).toMatchObject({ approved: null, approvedHash: null });

    const decided = ok(
      await call('POST', `/tool-changes/${search.id}/decision`, {
        token: a.adminToken,
        body: { decision: 'approve', note: '  vendor confirmed  ', pendingHash: 'f'.repeat(64) },
      }),
      200,
      ZToolChangeDecision,
    );
    expect(decided).toMatchObject({
      id: search.id,
      outcome: 'approved',
      note: 'vendor confirmed',
      served: { description: 'Search the docs, then mail them out' },
      toolChange: { kind: 'changed' },
    });
    const after = ok(await call('GET', '/tool-changes', { token: a.adminToken }), 200, ZToolChangeList);
    expect(after.toolChanges.map((c) => c.id)).not.toContain(search.id);
    const [audit] = await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.installationId, installation.id)));
    expect(audit).toMatchObject({
      method: 'tool-change/decide',
      principalType: 'token',
      authMethod: 'api_token',
      toolName: 'search',
      response: { decision: 'approve', note: 'vendor confirmed', kind: 'changed' },
    });

    failed(
      await call('POST', `/tool-changes/${search.id}/decision`, {
        token: a.adminToken,
        body: { decision: 'reject' },
      }),
      409,
      'CONFLICT',
    );
  });

  it('rejects a new tool (it stays unlisted, under status=rejected) and validates input', async () => {
    const { send } = await changedTools(a);
    const bad = failed(
      await call('POST', `/tool-changes/${send.id}/decision`, {
        token: a.adminToken,
        body: { decision: 'deny' },
      }),
      422,
      'INVALID',
    );
    expect(bad.fields?.map((f) => f.path)).toEqual(['decision']);
    failed(await call('GET', '/tool-changes?status=approved', { token: a.adminToken }), 422, 'INVALID');
    const stale = failed(
      await call('POST', `/tool-changes/${send.id}/decision`, {
        token: a.adminToken,
        body: { decision: 'approve', pendingHash: '0'.repeat(64) },
      }),
      409,
      'CONFLICT',
    );
    expect(stale.details).toMatchObject({ reason: 'changed_again', pendingHash: send.schemaHash });

    const rejected = ok(
      await call('POST', `/tool-changes/${send.id}/decision`, {
        token: a.adminToken,
        body: { decision: 'reject', note: 'We do not send mail from agents.' },
      }),
      200,
      ZToolChangeDecision,
    );
    expect(rejected).toMatchObject({ outcome: 'rejected', served: null, toolChange: { kind: 'new' } });
    const list = ok(
      await call('GET', '/tool-changes?status=rejected', { token: a.adminToken }),
      200,
      ZToolChangeList,
    );
    expect(list.toolChanges.find((c) => c.id === send.id)).toMatchObject({ status: 'rejected', kind: 'new' });
  });

  it('refuses members, and another workspace sees and decides nothing of it', async () => {
    const { search } = await changedTools(a);
    failed(await call('GET', '/tool-changes', { token: a.memberToken }), 403, 'FORBIDDEN');
    failed(
      await call('POST', `/tool-changes/${search.id}/decision`, {
        token: a.memberToken,
        body: { decision: 'approve' },
      }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('POST', `/tool-changes/${search.id}/decision`, {
        token: b.adminToken,
        body: { decision: 'approve' },
      }),
      404,
      'NOT_FOUND',
    );
    const theirs = ok(await call('GET', '/tool-changes', { token: b.adminToken }), 200, ZToolChangeList);
    expect(theirs.toolChanges.map((c) => c.id)).not.toContain(search.id);
    const ours = ok(await call('GET', '/tool-changes', { token: a.adminToken }), 200, ZToolChangeList);
    expect(ours.toolChanges.find((c) => c.id === search.id)?.status).toBe('pending');
  });
});

describe('REST /settings/tool-pinning', () => {
  it('reads the defaults, changes either setting, and keeps workspaces apart', async () => {
    expect(
      ok(await call('GET', '/settings/tool-pinning', { token: b.adminToken }), 200, ZToolPinningSettings),
    ).toEqual({ autoApproveNewTools: true, onToolChange: 'serve_approved' });
    const changed = ok(
      await call('PUT', '/settings/tool-pinning', {
        token: b.adminToken,
        body: { autoApproveNewTools: false },
      }),
      200,
      ZToolPinningSettings,
    );
    expect(changed).toEqual({ autoApproveNewTools: false, onToolChange: 'serve_approved' });
    expect(
      ok(
        await call('PUT', '/settings/tool-pinning', {
          token: b.adminToken,
          body: { onToolChange: 'disable' },
        }),
        200,
        ZToolPinningSettings,
      ),
    ).toEqual({ autoApproveNewTools: false, onToolChange: 'disable' });
    expect(
      ok(await call('GET', '/settings/tool-pinning', { token: a.adminToken }), 200, ZToolPinningSettings),
    ).toEqual({ autoApproveNewTools: true, onToolChange: 'serve_approved' });

    failed(await call('PUT', '/settings/tool-pinning', { token: b.adminToken, body: {} }), 422, 'INVALID');
    failed(
      await call('PUT', '/settings/tool-pinning', {
        token: b.adminToken,
        body: { onToolChange: 'serve_new' },
      }),
      422,
      'INVALID',
    );
    failed(
      await call('PUT', '/settings/tool-pinning', {
        token: a.memberToken,
        body: { onToolChange: 'disable' },
      }),
      403,
      'FORBIDDEN',
    );
    // Members read it.
    expect(
      ok(await call('GET', '/settings/tool-pinning', { token: a.memberToken }), 200, ZToolPinningSettings),
    ).toEqual({ autoApproveNewTools: true, onToolChange: 'serve_approved' });

    // Each change is audited with the token as the principal; refused and invalid ones are not.
    const settingsAudit = (tenantId: string) =>
      env.db.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.method, 'settings/tool-pinning')))
        .orderBy(auditEvents.occurredAt);
    expect(await settingsAudit(b.tenant.id)).toMatchObject([
      {
        principalType: 'token',
        authMethod: 'api_token',
        status: 'ok',
        request: { autoApproveNewTools: false },
        response: { after: { autoApproveNewTools: false, onToolChange: 'serve_approved' } },
      },
      {
        principalType: 'token',
        request: { onToolChange: 'disable' },
        response: {
          before: { autoApproveNewTools: false, onToolChange: 'serve_approved' },
          after: { autoApproveNewTools: false, onToolChange: 'disable' },
        },
      },
    ]);
    expect(await settingsAudit(a.tenant.id)).toEqual([]);
  });

  it('is described in the OpenAPI document', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as {
      paths: Record<string, Record<string, { tags: string[]; parameters?: { name: string }[] }>>;
    };
    expect(Object.keys(doc.paths['/tool-changes']!)).toEqual(['get']);
    expect(doc.paths['/tool-changes']!.get!.parameters?.map((p) => p.name)).toEqual(['status']);
    expect(doc.paths['/tool-changes/{id}/decision']!.post!.tags).toEqual(['Tool changes']);
    expect(Object.keys(doc.paths['/settings/tool-pinning']!).sort()).toEqual(['get', 'put']);
  });
});
