import { canonicalArgsHash } from '@toolgate/core/approval-hash';
import { auditEvents, teamMembers } from '@toolgate/db/schema';
import { seedApiToken, seedApprovalRequest, seedGateway, seedMember, seedTeam } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZApproval, ZApprovalList } from '../schemas/approvals.ts';
import { approvalChannel, consumeApprovedCall, createApprovalRequest } from '../services/approvals/index.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;
let gatewayId: string;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
  gatewayId = (await seedGateway(env.db.db, a.tenant.id)).id;
});
afterAll(async () => {
  await env?.close();
});

/** A call of A's member held for A's admins, as the proxy stores it. */
const hold = (args: Record<string, unknown> = { to: `x-${Math.random()}@example.test` }) =>
  createApprovalRequest({
    db: env.db.db,
    tenantId: a.tenant.id,
    gatewayId,
    policy: {
      id: null,
      name: 'Sends need approval',
      message: 'Check the recipient.',
      approvers: { kind: 'admins' },
    },
    toolName: 'mail__send',
    args,
    principalId: `user:${a.member.id}`,
    callerLabel: a.member.email,
    agent: 'cursor',
  });

describe('REST /approvals', () => {
  it('lists the pending inbox, shows one request, and approves it with a note', async () => {
    const args = { to: 'ceo@example.test', authorization: 'Bearer abcdefghijklmnop' };
    const { id } = await hold(args);
    const decided = await seedApprovalRequest(env.db.db, a.tenant.id, gatewayId, { status: 'denied' });

    const inbox = ok(
      await call('GET', '/approvals?status=pending', { token: a.adminToken }),
      200,
      ZApprovalList,
    );
    expect(inbox.approvals.map((r) => r.id)).toContain(id);
    expect(inbox.approvals.map((r) => r.id)).not.toContain(decided.id);
    expect(inbox.approvals.every((r) => r.status === 'pending')).toBe(true);
    const all = ok(await call('GET', '/approvals', { token: a.adminToken }), 200, ZApprovalList);
    expect(all.approvals.map((r) => r.id)).toEqual(expect.arrayContaining([id, decided.id]));

    const one = ok(await call('GET', `/approvals/${id}`, { token: a.adminToken }), 200, ZApproval);
    expect(one).toMatchObject({
      status: 'pending',
      tool: 'mail__send',
      args: { to: 'ceo@example.test', authorization: '[redacted]' },
      policy: { name: 'Sends need approval', message: 'Check the recipient.' },
      caller: { label: a.member.email },
      agent: 'cursor',
      canDecide: true,
    });

    const listener = env.newBus();
    const heard: unknown[] = [];
    const stop = await listener.sessions.subscribe(approvalChannel(id), (m) => heard.push(m));
    const approved = ok(
      await call('POST', `/approvals/${id}/decision`, {
        token: a.adminToken,
        body: { decision: 'approve', note: '  looks right  ' },
      }),
      200,
      ZApproval,
    );
    // An org token acts for no user: the decision names nobody, the audit log names the token.
    expect(approved).toMatchObject({
      status: 'approved',
      note: 'looks right',
      decidedBy: null,
      canDecide: false,
    });
    await eventually(() => expect(heard).toEqual([{ id, status: 'approved', note: 'looks right' }]));
    await stop();
    const audit = await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.method, 'approval/decide')));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      principalType: 'token',
      authMethod: 'api_token',
      response: { decision: 'approve', note: 'looks right', tool: 'mail__send', approvalId: id },
    });
    expect(JSON.stringify(audit[0])).not.toContain('abcdefghijklmnop');

    expect(
      await consumeApprovedCall({
        db: env.db.db,
        tenantId: a.tenant.id,
        gatewayId,
        principalId: `user:${a.member.id}`,
        toolName: 'mail__send',
        argsHash: canonicalArgsHash(args),
      }),
    ).toBe(id);

    const again = failed(
      await call('POST', `/approvals/${id}/decision`, { token: a.adminToken, body: { decision: 'deny' } }),
      409,
      'CONFLICT',
    );
    expect(again.message).toContain('already approved (and the call has run)');
  });

  it('denies with a note, and validates the decision', async () => {
    const { id } = await hold();
    const bad = failed(
      await call('POST', `/approvals/${id}/decision`, { token: a.adminToken, body: { decision: 'maybe' } }),
      422,
      'INVALID',
    );
    expect(bad.fields?.map((f) => f.path)).toEqual(['decision']);
    failed(await call('GET', '/approvals?status=waiting', { token: a.adminToken }), 422, 'INVALID');
    const denied = ok(
      await call('POST', `/approvals/${id}/decision`, {
        token: a.adminToken,
        body: { decision: 'deny', note: 'Not to the CEO.' },
      }),
      200,
      ZApproval,
    );
    expect(denied).toMatchObject({ status: 'denied', note: 'Not to the CEO.', approvedUntil: null });
  });

  it('shows members their own requests without letting them decide, and refuses other teams’ maintainers', async () => {
    const { id } = await hold();
    const own = ok(await call('GET', `/approvals/${id}`, { token: a.memberToken }), 200, ZApproval);
    expect(own.canDecide).toBe(false);
    failed(
      await call('POST', `/approvals/${id}/decision`, {
        token: a.memberToken,
        body: { decision: 'approve' },
      }),
      403,
      'FORBIDDEN',
    );

    const maintainer = await seedMember(env.db.db, a.tenant.id);
    const team = await seedTeam(env.db.db, a.tenant.id);
    await env.db.db
      .insert(teamMembers)
      .values({ tenantId: a.tenant.id, teamId: team.id, userId: maintainer.id, role: 'maintainer' });
    const { token } = await seedApiToken(env.db.db, a.tenant.id, {
      scope: 'user',
      userId: maintainer.id,
      capabilities: ['admin'],
    });
    failed(
      await call('POST', `/approvals/${id}/decision`, { token, body: { decision: 'approve' } }),
      404,
      'NOT_FOUND',
    );
    const theirs = ok(await call('GET', '/approvals', { token }), 200, ZApprovalList);
    expect(theirs.approvals.map((r) => r.id)).not.toContain(id);
  });

  it('neither shows nor decides another tenant’s requests', async () => {
    const { id } = await hold();
    failed(await call('GET', `/approvals/${id}`, { token: b.adminToken }), 404, 'NOT_FOUND');
    failed(
      await call('POST', `/approvals/${id}/decision`, { token: b.adminToken, body: { decision: 'approve' } }),
      404,
      'NOT_FOUND',
    );
    const listed = ok(await call('GET', '/approvals', { token: b.adminToken }), 200, ZApprovalList);
    expect(listed.approvals.map((r) => r.id)).not.toContain(id);
    expect(ok(await call('GET', `/approvals/${id}`, { token: a.adminToken }), 200, ZApproval).status).toBe(
      'pending',
    );
  });

  it('is described in the OpenAPI document', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as {
      paths: Record<string, Record<string, { tags: string[]; parameters?: { name: string }[] }>>;
    };
    expect(Object.keys(doc.paths['/approvals']!)).toEqual(['get']);
    expect(doc.paths['/approvals']!.get!.parameters?.map((p) => p.name)).toEqual(['status', 'limit']);
    expect(doc.paths['/approvals/{id}/decision']!.post!.tags).toEqual(['Approvals']);
  });
});
