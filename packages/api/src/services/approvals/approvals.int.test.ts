import type { Bus } from '@toolgate/bus';
import { canonicalArgsHash } from '@toolgate/core/approval-hash';
import type { PolicyApprovers } from '@toolgate/core/policy';
import { approvalRequests, auditEvents, teamMembers, teams } from '@toolgate/db/schema';
import { seedGateway, seedMember, seedPolicy, seedTeam } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../actor.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import {
  APPROVAL_DECIDE_METHOD,
  approvalChannel,
  consumeApprovedCall,
  countPendingApprovals,
  createApprovalRequest,
  decideApproval,
  getApproval,
  getApprovalStatus,
  listApprovals,
  type CreateApprovalRequestOptions,
} from './index.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let gatewayA: { id: string; slug: string };
let gatewayB: { id: string };
/** Team "reviewers" of A with a maintainer and a plain member; team "others" with its own maintainer. */
let reviewers: { id: string };
let others: { id: string };
const actors = {} as Record<'maintainer' | 'teamMember' | 'othersMaintainer', Actor>;

async function addToTeam(tenantId: string, teamId: string, userId: string, role: 'member' | 'maintainer') {
  await env.db.db.insert(teamMembers).values({ tenantId, teamId, userId, role });
}

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  gatewayA = await seedGateway(env.db.db, a.tenant.id);
  gatewayB = await seedGateway(env.db.db, b.tenant.id);
  reviewers = await seedTeam(env.db.db, a.tenant.id);
  others = await seedTeam(env.db.db, a.tenant.id);
  for (const [name, team, role] of [
    ['maintainer', reviewers, 'maintainer'],
    ['teamMember', reviewers, 'member'],
    ['othersMaintainer', others, 'maintainer'],
  ] as const) {
    const user = await seedMember(env.db.db, a.tenant.id, 'member');
    await addToTeam(a.tenant.id, team.id, user.id, role);
    actors[name] = { userId: user.id, role: 'member' };
  }
});
afterAll(async () => {
  await env?.close();
});

const ADMINS: PolicyApprovers = { kind: 'admins' };
let n = 0;

/** A held call of A's member (unless overridden), each with arguments of its own. */
function held(overrides: Partial<CreateApprovalRequestOptions> = {}): CreateApprovalRequestOptions {
  n += 1;
  return {
    db: env.db.db,
    tenantId: a.tenant.id,
    gatewayId: gatewayA.id,
    policy: {
      id: null,
      name: 'Sends need approval',
      message: 'A human checks outgoing mail.',
      approvers: ADMINS,
    },
    toolName: 'mail__send',
    args: { to: `someone-${n}@example.test`, subject: 'Hello' },
    principalId: `user:${a.member.id}`,
    callerLabel: a.member.email,
    agent: 'claude-code',
    ...overrides,
  };
}

const consumeKey = (options: CreateApprovalRequestOptions) => ({
  db: env.db.db,
  tenantId: options.tenantId,
  gatewayId: options.gatewayId,
  principalId: options.principalId,
  toolName: options.toolName,
  argsHash: canonicalArgsHash(options.args),
});

const as = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => {
  const { db, bus, tenantId, actor } = actingAs(env, org, who);
  return { db, bus, tenantId, actor };
};
const asActor = (actor: Actor) => ({ db: env.db.db, bus: env.bus, tenantId: a.tenant.id, actor });

/** Messages published on a request's channel, as another replica receives them. */
async function listen(bus: Bus, id: string) {
  const messages: unknown[] = [];
  const stop = await bus.sessions.subscribe(approvalChannel(id), (m) => messages.push(m));
  return { messages, stop };
}

describe('approval requests', () => {
  it('is created pending, approved by an admin with a note, and lets the same call through once', async () => {
    const call = held();
    const created = await createApprovalRequest(call);
    expect(created.created).toBe(true);
    expect(created.expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);

    const inbox = await listApprovals({ ...as(a), status: 'pending' });
    const mine = inbox.find((r) => r.id === created.id)!;
    expect(mine).toMatchObject({
      status: 'pending',
      tool: 'mail__send',
      args: call.args,
      gateway: { id: gatewayA.id, slug: gatewayA.slug },
      policy: { id: null, name: 'Sends need approval', message: 'A human checks outgoing mail.' },
      caller: { principalId: `user:${a.member.id}`, label: a.member.email, userId: a.member.id },
      agent: 'claude-code',
      approvers: { kind: 'admins', teamId: null, teamName: null },
      decidedBy: null,
      canDecide: true,
    });
    // Nothing passes before a decision.
    expect(await consumeApprovedCall(consumeKey(call))).toBeNull();

    const replica = await listen(env.newBus(), created.id);
    const decided = await decideApproval({
      ...as(a),
      id: created.id,
      decision: 'approve',
      note: 'fine, once',
    });
    expect(decided).toMatchObject({
      status: 'approved',
      note: 'fine, once',
      decidedBy: { userId: a.admin.id, email: a.admin.email },
      canDecide: false,
    });
    const window = Date.parse(decided.approvedUntil!) - Date.parse(decided.decidedAt!);
    expect(window).toBe(15 * 60_000);
    await eventually(() =>
      expect(replica.messages).toEqual([{ id: created.id, status: 'approved', note: 'fine, once' }]),
    );
    await replica.stop();
    expect(await getApprovalStatus({ db: env.db.db, tenantId: a.tenant.id, id: created.id })).toMatchObject({
      status: 'approved',
      note: 'fine, once',
    });

    // Another caller, tool, gateway or argument is not the approved call.
    expect(
      await consumeApprovedCall({ ...consumeKey(call), principalId: `user:${a.otherMember.id}` }),
    ).toBeNull();
    expect(await consumeApprovedCall({ ...consumeKey(call), toolName: 'mail__draft' })).toBeNull();
    expect(await consumeApprovedCall({ ...consumeKey(call), argsHash: canonicalArgsHash({}) })).toBeNull();
    const [first, second] = await Promise.all([
      consumeApprovedCall(consumeKey(call)),
      consumeApprovedCall(consumeKey(call)),
    ]);
    expect([first, second].filter((id) => id !== null)).toEqual([created.id]);
    expect(await consumeApprovedCall(consumeKey(call))).toBeNull();
    expect((await getApproval({ ...as(a), id: created.id })).status).toBe('used');
  });

  it('records each decision in the audit log, without the arguments', async () => {
    const call = held({ args: { to: 'x@example.test', apiKey: 'sk-live-0123456789abcdefghij0123' } });
    const { id } = await createApprovalRequest(call);
    await decideApproval({ ...as(a, 'owner'), id, decision: 'deny', note: 'not this one' });
    const [row] = await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.method, APPROVAL_DECIDE_METHOD)))
      .then((rows) => rows.filter((r) => (r.response as { approvalId?: string }).approvalId === id));
    expect(row).toMatchObject({
      principalId: `user:${a.owner.id}`,
      principalType: 'user',
      gatewayId: gatewayA.id,
      toolName: 'mail__send',
      status: 'ok',
      request: null,
      response: { decision: 'deny', note: 'not this one', tool: 'mail__send', approvalId: id },
    });
    expect(JSON.stringify(row)).not.toContain('sk-live');
  });

  it('keeps only redacted arguments, and the hash of the raw ones', async () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz012345';
    const call = held({
      args: { body: `key ${secret}`, password: 'hunter2hunter2', nested: { b: 1, a: 2 } },
    });
    const { id } = await createApprovalRequest(call);
    const [row] = await env.db.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(JSON.stringify(row!.args)).not.toContain(secret);
    expect(JSON.stringify(row!.args)).not.toContain('hunter2');
    expect(row!.args).toMatchObject({ password: '[redacted]', nested: { b: 1, a: 2 } });
    expect(row!.argsHash).toBe(
      canonicalArgsHash({ nested: { a: 2, b: 1 }, password: 'hunter2hunter2', body: `key ${secret}` }),
    );
  });

  it('answers the request already waiting when the same call is held again, and a new one after a denial', async () => {
    const call = held();
    const first = await createApprovalRequest(call);
    const again = await createApprovalRequest({ ...call, args: { ...(call.args as object) } });
    expect(again).toMatchObject({ id: first.id, created: false });
    const otherCaller = await createApprovalRequest({ ...call, principalId: `user:${a.otherMember.id}` });
    expect(otherCaller.created).toBe(true);

    await decideApproval({ ...as(a), id: first.id, decision: 'deny', note: 'Use the shared inbox instead.' });
    expect(await getApprovalStatus({ db: env.db.db, tenantId: a.tenant.id, id: first.id })).toMatchObject({
      status: 'denied',
      note: 'Use the shared inbox instead.',
      approvedUntil: null,
    });
    expect(await consumeApprovedCall(consumeKey(call))).toBeNull();
    const retried = await createApprovalRequest(call);
    expect(retried.created).toBe(true);
    expect(retried.id).not.toBe(first.id);
  });

  it('refuses a second decision with a message saying who decided', async () => {
    const { id } = await createApprovalRequest(held());
    await decideApproval({ ...as(a), id, decision: 'approve', note: '' });
    const err = await failureOf(() => decideApproval({ ...as(a, 'owner'), id, decision: 'deny', note: '' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(new RegExp(`already approved by ${a.admin.email.replace('.', '\\.')} at `));
    expect((await getApproval({ ...as(a), id })).status).toBe('approved');
  });

  it('lets members read the requests about their own calls, and decide none', async () => {
    const { id } = await createApprovalRequest(held());
    const own = await getApproval({ ...as(a, 'member'), id });
    expect(own.canDecide).toBe(false);
    expect((await listApprovals(as(a, 'member'))).map((r) => r.id)).toContain(id);
    const refused = await failureOf(() =>
      decideApproval({ ...as(a, 'member'), id, decision: 'approve', note: 'me, myself' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    // Another member does not see it at all.
    expect((await failureOf(() => getApproval({ ...as(a, 'otherMember'), id }))).code).toBe('NOT_FOUND');
    expect(
      (await failureOf(() => decideApproval({ ...as(a, 'otherMember'), id, decision: 'approve', note: '' })))
        .code,
    ).toBe('NOT_FOUND');
    expect((await listApprovals(as(a, 'otherMember'))).map((r) => r.id)).not.toContain(id);
    expect((await getApproval({ ...as(a), id })).status).toBe('pending');
  });

  it('lets the approving team’s maintainers decide its requests, not its members nor another team’s maintainers', async () => {
    const call = held({
      policy: {
        id: null,
        name: 'Reviewers approve',
        message: '',
        approvers: { kind: 'team', teamId: reviewers.id },
      },
    });
    const { id } = await createApprovalRequest(call);
    const forMaintainer = await listApprovals({ ...asActor(actors.maintainer), status: 'pending' });
    expect(forMaintainer.find((r) => r.id === id)).toMatchObject({
      canDecide: true,
      approvers: { kind: 'team', teamId: reviewers.id },
    });
    expect(await countPendingApprovals(asActor(actors.maintainer))).toBeGreaterThanOrEqual(1);
    // Admins' requests are not the maintainer's to decide, nor to see.
    expect(forMaintainer.every((r) => r.approvers.kind === 'team')).toBe(true);

    for (const outsider of [actors.teamMember, actors.othersMaintainer]) {
      const err = await failureOf(() =>
        decideApproval({ ...asActor(outsider), id, decision: 'approve', note: '' }),
      );
      expect(err.code).toBe('NOT_FOUND');
      expect(await countPendingApprovals(asActor(outsider))).toBe(0);
    }
    const decided = await decideApproval({
      ...asActor(actors.maintainer),
      id,
      decision: 'approve',
      note: 'ok',
    });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: { userId: actors.maintainer.userId } });
  });

  it('falls to owners and admins when the approving team is deleted', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    await addToTeam(a.tenant.id, team.id, actors.teamMember.userId!, 'maintainer');
    const { id } = await createApprovalRequest(
      held({
        policy: { id: null, name: 'Gone team', message: '', approvers: { kind: 'team', teamId: team.id } },
      }),
    );
    await env.db.db.delete(teams).where(eq(teams.id, team.id));
    expect((await failureOf(() => getApproval({ ...asActor(actors.teamMember), id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await getApproval({ ...as(a), id })).approvers).toEqual({
      kind: 'team',
      teamId: null,
      teamName: null,
    });
    expect((await decideApproval({ ...as(a), id, decision: 'deny', note: '' })).status).toBe('denied');
  });

  it('keeps the request when its policy or team goes before it is stored', async () => {
    const policy = await seedPolicy(env.db.db, a.tenant.id, { action: 'require_approval' });
    const team = await seedTeam(env.db.db, a.tenant.id);
    await env.db.db.delete(teams).where(eq(teams.id, team.id));
    const { id } = await createApprovalRequest(
      held({
        policy: {
          id: policy.id,
          name: policy.name,
          message: '',
          approvers: { kind: 'team', teamId: team.id },
        },
      }),
    );
    const view = await getApproval({ ...as(a), id });
    expect(view.policy).toMatchObject({ id: policy.id, name: policy.name });
    expect(view.approvers.teamId).toBeNull();
  });

  it('stores nothing for policies the caller approves', async () => {
    const err = await failureOf(() =>
      createApprovalRequest(
        held({ policy: { id: null, name: 'p', message: '', approvers: { kind: 'caller' } } }),
      ),
    );
    expect(err.code).toBe('INVALID');
  });

  it('keeps each tenant’s requests to itself', async () => {
    const { id } = await createApprovalRequest(held());
    expect((await failureOf(() => getApproval({ ...as(b), id }))).code).toBe('NOT_FOUND');
    expect(
      (await failureOf(() => decideApproval({ ...as(b), id, decision: 'approve', note: '' }))).code,
    ).toBe('NOT_FOUND');
    expect((await listApprovals(as(b))).map((r) => r.id)).not.toContain(id);
    expect(await getApprovalStatus({ db: env.db.db, tenantId: b.tenant.id, id })).toBeNull();
    await decideApproval({ ...as(a), id, decision: 'approve', note: '' });
    const call = held();
    const [row] = await env.db.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(
      await consumeApprovedCall({
        db: env.db.db,
        tenantId: b.tenant.id,
        gatewayId: gatewayB.id,
        principalId: row!.principalId,
        toolName: row!.toolName,
        argsHash: row!.argsHash,
      }),
    ).toBeNull();
    expect(await consumeApprovedCall({ ...consumeKey(call), argsHash: row!.argsHash })).toBe(id);
  });
});

describe('expiry', () => {
  const DAY = 24 * 3_600_000;

  it('expires a request nobody decided within 24 hours, and refuses deciding it', async () => {
    const call = held({ now: new Date(Date.now() - DAY - 60_000) });
    const { id } = await createApprovalRequest(call);
    expect(await getApprovalStatus({ db: env.db.db, tenantId: a.tenant.id, id })).toMatchObject({
      status: 'expired',
    });
    expect((await listApprovals({ ...as(a), status: 'pending' })).map((r) => r.id)).not.toContain(id);
    expect((await listApprovals({ ...as(a), status: 'expired' })).find((r) => r.id === id)?.canDecide).toBe(
      false,
    );
    const err = await failureOf(() => decideApproval({ ...as(a), id, decision: 'approve', note: '' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('expired');
    // The same call held again is a new request, not the expired one.
    const again = await createApprovalRequest({ ...call, now: new Date() });
    expect(again).toMatchObject({ created: true });
    expect(again.id).not.toBe(id);
  });

  it('expires a request when it is decided after its expiry', async () => {
    const { id } = await createApprovalRequest(held());
    const err = await failureOf(() =>
      decideApproval({
        ...as(a),
        id,
        decision: 'approve',
        note: '',
        now: new Date(Date.now() + DAY + 1_000),
      }),
    );
    expect(err.code).toBe('CONFLICT');
    const [row] = await env.db.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    expect(row!.status).toBe('expired');
  });

  it('lets an approved call through only within 15 minutes of the approval', async () => {
    const call = held();
    const { id } = await createApprovalRequest(call);
    const decidedAt = new Date();
    await decideApproval({ ...as(a), id, decision: 'approve', note: '', now: decidedAt });
    const late = new Date(decidedAt.getTime() + 15 * 60_000 + 1);
    expect(await consumeApprovedCall({ ...consumeKey(call), now: late })).toBeNull();
    const inTime = new Date(decidedAt.getTime() + 14 * 60_000);
    expect(await consumeApprovedCall({ ...consumeKey(call), now: inTime })).toBe(id);
  });
});
