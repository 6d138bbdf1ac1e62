import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '@toolgate/core/usage';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedPolicy,
  seedRegistryEntry,
  seedTeam,
  seedTools,
} from '@toolgate/db/testing';
import { auditEvents } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import type { TestPolicyRequest } from '../schemas/policy-tester.ts';
import { testPolicy } from './test-policy.ts';

const MIN = 60_000;
const NOW = Date.now();

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let world: Awaited<ReturnType<typeof seedWorld>>;
let other: Awaited<ReturnType<typeof seedWorld>>;

/**
 * A mail server with three tools on two gateways, a finance team, an org token and the member's
 * personal token, a policy denying deletions, and audited calls (newest first):
 * 1. the org token sends mail out (main gateway), 2. the member (OAuth) sends mail in-house,
 * 3. the member's token reads the inbox, 4. the org token deletes (denied by the policy),
 * 5. a call of a tool no longer exposed, 6. a call by a token since deleted; plus calls on the
 * second gateway, an initialize and an unauthenticated call, none of which the main gateway replays.
 */
async function seedWorld(org: SeededOrg) {
  const db = env.db.db;
  const tenantId = org.tenant.id;
  const entry = await seedRegistryEntry(db, tenantId, {
    slug: 'mail',
    toolLabels: { read_inbox: ['untrusted-output'] },
  });
  const installation = await seedInstallation(db, tenantId, entry.id);
  await seedTools(db, tenantId, installation.id, [
    { name: 'send_email', labels: ['external-send'] },
    { name: 'read_inbox', annotations: { readOnlyHint: true } },
    { name: 'delete_message', annotations: { destructiveHint: true } },
  ]);
  const gateway = await seedGateway(db, tenantId, { name: 'Main' });
  const second = await seedGateway(db, tenantId, { name: 'Second' });
  await seedAssignments(
    db,
    tenantId,
    gateway.id,
    ['send_email', 'read_inbox', 'delete_message'].map((toolName) => ({
      registryEntryId: entry.id,
      toolName,
    })),
  );
  await seedAssignments(db, tenantId, second.id, [{ registryEntryId: entry.id, toolName: 'send_email' }]);
  const finance = await seedTeam(db, tenantId, [org.member.id]);
  const orgToken = await seedApiToken(db, tenantId, { name: 'ci-bot', scope: 'org' });
  const memberToken = await seedApiToken(db, tenantId, {
    name: 'member-laptop',
    scope: 'user',
    userId: org.member.id,
  });
  const noDeletes = await seedPolicy(db, tenantId, {
    name: 'No deletes',
    priority: 10,
    condition: 'has(tool.annotations.destructiveHint) && tool.annotations.destructiveHint == true',
    action: 'deny',
    message: 'No deletions.',
  });
  const byOrg = `token:${orgToken.id}`;
  const byMember = `user:${org.member.id}`;
  const byMemberToken = `token:${memberToken.id}`;
  const call = (
    minutesAgo: number,
    principalId: string,
    toolName: string,
    overrides: Partial<UsageEvent> = {},
  ) =>
    usageEvent(tenantId, NOW - minutesAgo * MIN, {
      gatewayId: gateway.id,
      installationId: installation.id,
      principalId,
      authMethod: principalId.startsWith('user:') ? 'oauth' : 'api_token',
      toolName,
      ...overrides,
    });
  const events = [
    call(1, byOrg, 'mail__send_email', { request: { to: 'someone@elsewhere.example', body: 'q3 numbers' } }),
    call(2, byMember, 'mail__send_email', { request: { to: 'boss@corp.example' } }),
    call(3, byMemberToken, 'mail__read_inbox', { request: {} }),
    call(4, byOrg, 'mail__delete_message', {
      request: { id: 7 },
      status: 'denied',
      policyOutcome: `deny:policy:${noDeletes.id}`,
    }),
    call(5, byOrg, 'mail__archive', { request: {} }),
    call(6, `token:${randomUUID()}`, 'mail__read_inbox', { request: {} }),
    call(7, byOrg, 'mail__send_email', { gatewayId: second.id, request: { to: 'x@elsewhere.example' } }),
    usageEvent(tenantId, NOW - 8 * MIN, { gatewayId: gateway.id, principalId: byOrg, method: 'initialize' }),
    usageEvent(tenantId, NOW - 9 * MIN, {
      gatewayId: gateway.id,
      principalType: null,
      method: 'tools/call',
      status: 'denied',
      policyOutcome: 'deny:invalid_token',
    }),
  ];
  await recordUsage(env.db, events);
  return {
    gateway,
    second,
    finance,
    orgToken,
    memberToken,
    noDeletes,
    byOrg,
    byMember,
    byMemberToken,
    events,
  };
}

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  world = await seedWorld(a);
  other = await seedWorld(b);
});
afterAll(async () => {
  await env?.close();
});

const DENY_SENDING_OUT = {
  name: 'Mail stays in-house',
  condition: '"external-send" in tool.labels && has(args.to) && !string(args.to).endsWith("@corp.example")',
  action: 'deny' as const,
  message: 'Only corp addresses.',
};

const run = (
  policy: TestPolicyRequest['policy'],
  more: Partial<Omit<TestPolicyRequest, 'policy'>> = {},
  org: SeededOrg = a,
  who: keyof SeededOrg['actors'] = 'admin',
) => testPolicy({ ...actingAs(env, org, who), input: { policy, gatewayId: world.gateway.id, ...more } });

describe('testing a draft policy against past calls', () => {
  it('replays the gateway’s audited tool calls, newest first, and says which the draft changes', async () => {
    const result = await run(DENY_SENDING_OUT);
    expect(result.gatewayId).toBe(world.gateway.id);
    expect(result.draftApplies).toBe(true);
    expect(result.assumptions.join(' ')).toMatch(/session\.tainted is false/);
    // The second gateway's call, the initialize and the unauthenticated call are not replayed.
    expect(new Set(result.calls.map((c) => c.eventId)).size).toBe(6);
    expect(result.calls.map((c) => c.tool)).toEqual([
      'mail__send_email',
      'mail__send_email',
      'mail__read_inbox',
      'mail__delete_message',
      'mail__archive',
      'mail__read_inbox',
    ]);
    const [out, inHouse, read, deleted, gone, stranger] = result.calls;
    expect(out).toMatchObject({
      caller: { id: world.byOrg, label: 'ci-bot' },
      recorded: { status: 'ok', policyOutcome: 'allow' },
      current: { action: 'allow', policy: null, error: null },
      withDraft: {
        action: 'deny',
        policy: { id: null, name: 'Mail stays in-house', draft: true },
        error: null,
      },
      changed: true,
      skipped: null,
    });
    expect(inHouse).toMatchObject({
      caller: { id: world.byMember, label: a.member.email },
      current: { action: 'allow' },
      withDraft: { action: 'allow' },
      changed: false,
    });
    expect(read).toMatchObject({ changed: false, skipped: null });
    // Denied by the saved policy before and after: the draft (priority 0) runs after it.
    expect(deleted).toMatchObject({
      recorded: { status: 'denied', policyOutcome: `deny:policy:${world.noDeletes.id}` },
      current: { action: 'deny', policy: { id: world.noDeletes.id, name: 'No deletes', draft: false } },
      withDraft: { action: 'deny', policy: { id: world.noDeletes.id } },
      changed: false,
    });
    expect(gone).toMatchObject({ current: null, withDraft: null, changed: false });
    expect(gone!.skipped).toMatch(/no longer exposes/);
    expect(stranger).toMatchObject({ caller: { label: 'Deleted token' }, changed: false });
    expect(stranger!.skipped).toMatch(/caller is gone/);
    expect(result.counts).toEqual({ calls: 6, evaluated: 4, changed: 1, skipped: 2 });
    expect(result.changes).toEqual([{ from: 'allow', to: 'deny', count: 1 }]);
  });

  it('reads the caller, the tool’s labels, annotations and server, the arguments and the time of each call', async () => {
    const changedTools = async (condition: string) =>
      (await run({ condition, action: 'deny' })).calls.filter((c) => c.changed).map((c) => c.caller?.id);
    // Members by user id and personal tokens by their person: role, email, teams (as slugs).
    expect(await changedTools(`"${world.finance.slug}" in caller.teams`)).toEqual([
      world.byMember,
      world.byMemberToken,
    ]);
    expect(
      await changedTools(
        `caller.emailDomain == "${a.member.email.split('@')[1]}" && caller.role == "member"`,
      ),
    ).toEqual([world.byMember, world.byMemberToken]);
    expect(await changedTools(`caller.tokenId == "${world.orgToken.id}"`)).toEqual([world.byOrg]);
    expect(await changedTools('caller.authMethod == "oauth" && caller.userId != ""')).toEqual([
      world.byMember,
    ]);
    // Labels set on the entry for a tool name join the installation tool's own.
    expect(
      await changedTools(
        '"untrusted-output" in tool.labels && has(tool.annotations.readOnlyHint) && tool.annotations.readOnlyHint',
      ),
    ).toEqual([world.byMemberToken]);
    expect(
      await changedTools(
        'tool.server == "mail" && tool.name == "send_email" && tool.exposedName == "mail__send_email"',
      ),
    ).toEqual([world.byOrg, world.byMember]);
    expect(await changedTools('has(args.body) && string(args.body).contains("q3")')).toEqual([world.byOrg]);
    expect(
      await changedTools(
        `request.time < timestamp("${new Date(NOW - 150_000).toISOString()}") && tool.name != "delete_message"`,
      ),
    ).toEqual([world.byMemberToken]);
    // The agent recorded with a call (none on calls recorded before agents were).
    await env.db.db
      .update(auditEvents)
      .set({ agent: 'cursor' })
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.principalId, world.byMember)));
    expect(await changedTools('caller.client == "cursor"')).toEqual([world.byMember]);
    expect(await changedTools('caller.client == ""')).toEqual([world.byOrg, world.byMemberToken]);
    // Every replay is a fresh session: nothing is tainted.
    expect(await changedTools('session.tainted || size(session.labels) > 0')).toEqual([]);
  });

  it('puts the draft at its priority, replaces the policy it edits, and fails closed like the proxy', async () => {
    const allowDeletes = { condition: 'tool.name == "delete_message"', action: 'allow' as const };
    expect((await run({ ...allowDeletes, priority: 5 })).counts.changed).toBe(0);
    const above = await run({ ...allowDeletes, priority: 11 });
    expect(above.changes).toEqual([{ from: 'deny', to: 'allow', count: 1 }]);
    expect(above.calls[3]!.withDraft).toMatchObject({ action: 'allow', policy: { draft: true } });
    // Editing the saved policy itself: its draft takes its place, whatever the priority.
    const edited = await run({ ...allowDeletes, id: world.noDeletes.id, name: 'No deletes' });
    expect(edited.changes).toEqual([{ from: 'deny', to: 'allow', count: 1 }]);
    // A condition that fails on a call (no such argument) matches for a deny, with the reason.
    const broken = await run({ condition: 'args.count > 3', action: 'deny', priority: 100 });
    expect(broken.counts.changed).toBe(3);
    expect(broken.calls[0]!.withDraft?.action).toBe('deny');
    expect(broken.calls[0]!.withDraft?.error).toMatch(/count/);
    // So does one reading an annotation a tool does not declare: every other tool is denied.
    const unguarded = await run({
      condition: 'tool.annotations.readOnlyHint == false',
      action: 'deny',
      priority: 100,
    });
    expect(unguarded.calls.filter((c) => c.changed).map((c) => c.tool)).toEqual([
      'mail__send_email',
      'mail__send_email',
    ]);
    // require_approval is an outcome of its own.
    const approve = await run({ condition: '"external-send" in tool.labels', action: 'require_approval' });
    expect(approve.changes).toEqual([{ from: 'allow', to: 'require_approval', count: 2 }]);
  });

  it('changes nothing on a gateway the draft does not apply to, and reads at most `limit` calls', async () => {
    const elsewhere = await run({ ...DENY_SENDING_OUT, gatewayIds: [world.second.id] });
    expect(elsewhere).toMatchObject({ draftApplies: false, counts: { calls: 6, changed: 0 } });
    // An edited policy moved to another gateway leaves this one.
    const moved = await run({
      name: 'No deletes',
      id: world.noDeletes.id,
      condition: world.noDeletes.condition,
      action: 'deny',
      gatewayIds: [world.second.id],
    });
    expect(moved).toMatchObject({ draftApplies: false, changes: [{ from: 'deny', to: 'allow', count: 1 }] });
    const onSecond = await run(
      { ...DENY_SENDING_OUT, gatewayIds: [world.second.id] },
      { gatewayId: world.second.id },
    );
    expect(onSecond.calls.map((c) => c.tool)).toEqual(['mail__send_email']);
    expect(onSecond.counts.changed).toBe(1);
    const two = await run(DENY_SENDING_OUT, { limit: 2 });
    expect(two.calls.map((c) => c.caller?.id)).toEqual([world.byOrg, world.byMember]);
    expect((await failureOf(() => run(DENY_SENDING_OUT, { limit: 501 }))).code).toBe('INVALID');
  });

  it('refuses a condition that does not type-check, naming where', async () => {
    const err = await failureOf(() => run({ condition: 'caller.rol == "admin"', action: 'deny' }));
    expect(err).toMatchObject({
      code: 'INVALID',
      details: {
        fields: [{ path: 'policy.condition', message: 'line 1, column 8: No such key: rol' }],
        condition: { message: 'No such key: rol', offset: 7, line: 1, column: 8 },
      },
    });
  });

  it('is for owners and admins: members see only their own calls in the logs', async () => {
    expect((await failureOf(() => run(DENY_SENDING_OUT, {}, a, 'member'))).code).toBe('FORBIDDEN');
    expect((await run(DENY_SENDING_OUT, {}, a, 'owner')).counts.calls).toBe(6);
  });

  it('never reaches another workspace: its gateway, its policy and its calls are not found', async () => {
    const theirs = await failureOf(() => run(DENY_SENDING_OUT, { gatewayId: other.gateway.id }));
    expect(theirs).toMatchObject({ code: 'NOT_FOUND', message: 'Gateway not found' });
    const scoped = await failureOf(() => run({ ...DENY_SENDING_OUT, gatewayIds: [other.gateway.id] }));
    expect(scoped.code).toBe('NOT_FOUND');
    const edit = await failureOf(() => run({ ...DENY_SENDING_OUT, id: other.noDeletes.id }));
    expect(edit.code).toBe('NOT_FOUND');
    // B replays its own calls only, with its own callers and policy.
    const own = await run(DENY_SENDING_OUT, { gatewayId: other.gateway.id }, b);
    expect(own.calls.map((c) => c.caller?.id)).toEqual([
      other.byOrg,
      other.byMember,
      other.byMemberToken,
      other.byOrg,
      other.byOrg,
      expect.stringMatching(/^token:/),
    ]);
    expect(own.calls[3]!.current?.policy?.id).toBe(other.noDeletes.id);
    const aEvents = new Set((await run(DENY_SENDING_OUT)).calls.map((c) => c.eventId));
    expect(own.calls.some((c) => aEvents.has(c.eventId))).toBe(false);
  });
});
