import { createLogger } from '@toolgate/core/logger';
import type { PolicyApprovers } from '@toolgate/core/policy';
import { verifySignature } from '@toolgate/core/webhook-signature';
import { approvalAnnouncements, teamMembers, users } from '@toolgate/db/schema';
import { seedAssignments, seedGateway, seedMember, seedRegistryEntry, seedTeam } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZApprovalWebhookEvent, type ApprovalWebhookEvent } from '../../schemas/approval-webhook.ts';
import { actingAs, createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../../testing/outbox-mailer.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../testing/webhook-receiver.ts';
import {
  countPendingAnnouncements,
  createApprovalRequest,
  decideApproval,
  deliverDueApprovalAnnouncements,
  rotateApprovalWebhookSecret,
  setApprovalWebhook,
  type ApprovalAnnouncerOptions,
  type CreateApprovalRequestOptions,
} from './index.ts';

const log = createLogger({ name: 'approval-announcements-test', level: 'silent', pretty: false });
const WEB = 'https://toolgate.example.test';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let gatewayA: { id: string; slug: string; name: string };
let serverA: { id: string; slug: string; name: string };
let receiver: WebhookReceiver;
let mailer: OutboxMailer;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  gatewayA = await seedGateway(env.db.db, a.tenant.id);
  serverA = await seedRegistryEntry(env.db.db, a.tenant.id, { name: 'Mail' });
  await seedAssignments(env.db.db, a.tenant.id, gatewayA.id, [
    { registryEntryId: serverA.id, toolName: 'send' },
  ]);
  receiver = await startWebhookReceiver();
  const created = await setApprovalWebhook({
    ...actingAs(env, a, 'admin'),
    allowPrivate: true,
    input: { url: receiver.url },
  });
  receiver.secret = created.secret!;
});
afterAll(async () => {
  await receiver?.close();
  await env?.close();
});
beforeEach(() => {
  mailer = createOutboxMailer();
  receiver.failNext();
});

const ADMINS: PolicyApprovers = { kind: 'admins' };
let n = 0;

/** A call of A's member held for the admins, as the proxy's approval store stores it. */
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
    toolName: `${serverA.slug}__send`,
    args: { to: `someone-${n}@example.test`, token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    principalId: `user:${a.member.id}`,
    callerLabel: a.member.email,
    agent: 'claude-code',
    ...overrides,
  };
}

const announcer = (overrides: Partial<ApprovalAnnouncerOptions> = {}): ApprovalAnnouncerOptions => ({
  db: env.db.db,
  mailer,
  publicWebUrl: WEB,
  secretKeys: env.secretKeys,
  allowPrivate: true,
  log,
  backoffMs: 0,
  ...overrides,
});

/** Delivers until nothing is due (each pass claims what the previous one left due). */
async function deliverAll(overrides: Partial<ApprovalAnnouncerOptions> = {}) {
  for (let pass = 0; pass < 20; pass++) {
    const result = await deliverDueApprovalAnnouncements(announcer(overrides));
    if (result.claimed === 0) return;
  }
  throw new Error('announcements kept coming');
}

const eventsAbout = (id: string) =>
  receiver.accepted().filter((e) => (e as ApprovalWebhookEvent).approval.id === id) as ApprovalWebhookEvent[];
const mailsAbout = (id: string) => mailer.messages.filter((m) => m.link.endsWith(`id=${id}`));

describe('a request held by a proxy', () => {
  it('is emailed once to each approver and POSTed once to the webhook, signed, however often delivery runs', async () => {
    const created = await createApprovalRequest(held());
    await deliverAll();
    await deliverAll();

    const mails = mailsAbout(created.id);
    expect(mails.map((m) => m.to).sort()).toEqual([a.owner.email, a.admin.email].sort());
    expect(mails[0]).toMatchObject({
      kind: 'approval-request',
      link: `${WEB}/t/${a.tenant.slug}/approvals?id=${created.id}`,
    });
    expect(JSON.stringify(mails)).not.toContain('ghp_');

    const [event, ...more] = eventsAbout(created.id);
    expect(more).toEqual([]);
    expect(ZApprovalWebhookEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      type: 'approval.requested',
      approval: {
        id: created.id,
        tool: `${serverA.slug}__send`,
        server: { id: serverA.id, slug: serverA.slug, name: 'Mail' },
        gateway: { id: gatewayA.id, slug: gatewayA.slug },
        caller: { principalId: `user:${a.member.id}`, label: a.member.email, userId: a.member.id },
        agent: 'claude-code',
        policy: { name: 'Sends need approval', message: 'A human checks outgoing mail.' },
        expiresAt: created.expiresAt.toISOString(),
        url: `${WEB}/t/${a.tenant.slug}/approvals?id=${created.id}`,
      },
      tenant: { id: a.tenant.id, slug: a.tenant.slug },
    });
    expect(event!.approval.decision).toBeUndefined();
    expect(JSON.stringify(event!.approval.arguments)).toContain('example.test');
    expect(JSON.stringify(event!.approval.arguments)).not.toContain('ghp_abcdef');
    expect(await countPendingAnnouncements(env.db.db, a.tenant.id)).toBe(0);
  });

  it('announces nothing new when the same call is held again while it waits', async () => {
    const call = held();
    const first = await createApprovalRequest(call);
    await deliverAll();
    const again = await createApprovalRequest(call);
    expect(again).toMatchObject({ id: first.id, created: false });
    await deliverAll();
    expect(mailsAbout(first.id)).toHaveLength(2);
    expect(eventsAbout(first.id)).toHaveLength(1);
  });

  it('emails a team’s maintainers for the team’s requests', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const maintainer = await seedMember(env.db.db, a.tenant.id, 'member');
    await env.db.db
      .insert(teamMembers)
      .values({ tenantId: a.tenant.id, teamId: team.id, userId: maintainer.id, role: 'maintainer' });
    const created = await createApprovalRequest(
      held({ policy: { id: null, name: 'Team', message: '', approvers: { kind: 'team', teamId: team.id } } }),
    );
    await deliverAll();
    const [row] = await env.db.db.select().from(users).where(eq(users.id, maintainer.id));
    expect(mailsAbout(created.id).map((m) => m.to)).toEqual([row!.email]);
  });
});

describe('decisions', () => {
  it('POSTs approval.decided with the decision, who made it and the note', async () => {
    const created = await createApprovalRequest(held());
    await deliverAll();
    await decideApproval({
      ...actingAs(env, a, 'admin'),
      id: created.id,
      decision: 'deny',
      note: 'not to them',
    });
    await deliverAll();
    const events = eventsAbout(created.id);
    expect(events.map((e) => e.type)).toEqual(['approval.requested', 'approval.decided']);
    expect(events[1]!.approval.decision).toMatchObject({
      status: 'denied',
      by: { userId: a.admin.id, email: a.admin.email },
      note: 'not to them',
    });
    // Decisions are not emailed.
    expect(mailsAbout(created.id)).toHaveLength(2);
  });

  it('does not email approvers about a request decided before the email went', async () => {
    const created = await createApprovalRequest(held());
    await decideApproval({ ...actingAs(env, a, 'owner'), id: created.id, decision: 'approve', note: '' });
    await deliverAll();
    expect(mailsAbout(created.id)).toEqual([]);
    // Both due at once: they may arrive in either order.
    expect(
      eventsAbout(created.id)
        .map((e) => e.approval.decision?.status ?? e.type)
        .sort(),
    ).toEqual(['approval.requested', 'approved']);
  });
});

describe('failures', () => {
  it('retries a webhook answered 5xx, with back-off, and delivers it once', async () => {
    const created = await createApprovalRequest(held());
    receiver.failNext(503);
    const first = await deliverDueApprovalAnnouncements(announcer({ backoffMs: 60_000 }));
    expect(first.retrying).toBe(1);
    // Not due again before the back-off: nothing to claim.
    expect((await deliverDueApprovalAnnouncements(announcer())).claimed).toBe(0);
    const [row] = await env.db.db
      .select()
      .from(approvalAnnouncements)
      .where(eq(approvalAnnouncements.approvalId, created.id));
    expect(row).toMatchObject({
      channel: 'webhook',
      attempts: 1,
      lastError: 'the endpoint answered HTTP 503',
    });
    expect(row!.dueAt.getTime() - Date.now()).toBeGreaterThan(50_000);

    await env.db.db
      .update(approvalAnnouncements)
      .set({ dueAt: new Date() })
      .where(eq(approvalAnnouncements.approvalId, created.id));
    receiver.failNext(502);
    await deliverAll();
    expect(eventsAbout(created.id)).toHaveLength(1);
    expect(receiver.received.filter((r) => r.body.includes(created.id)).map((r) => r.status)).toEqual([
      503, 502, 200,
    ]);
    expect(mailsAbout(created.id)).toHaveLength(2);
  });

  it('gives a webhook up after a 4xx, and after its attempts run out', async () => {
    const refused = await createApprovalRequest(held());
    receiver.failNext(400);
    await deliverAll();
    const unavailable = await createApprovalRequest(held());
    receiver.failNext(503, 503, 503);
    await deliverAll({ maxAttempts: 3 });
    for (const { id } of [refused, unavailable]) expect(eventsAbout(id)).toEqual([]);
    expect(receiver.received.filter((r) => r.body.includes(unavailable.id)).map((r) => r.status)).toEqual([
      503, 503, 503,
    ]);
    expect(await countPendingAnnouncements(env.db.db, a.tenant.id)).toBe(0);
  });

  it('tries the email again only when no approver’s message was taken, never sending one twice', async () => {
    const created = await createApprovalRequest(held());
    mailer.failing = true;
    const first = await deliverDueApprovalAnnouncements(announcer());
    expect(first.retrying).toBe(1);
    mailer.failing = false;
    await deliverAll();
    expect(
      mailsAbout(created.id)
        .map((m) => m.to)
        .sort(),
    ).toEqual([a.owner.email, a.admin.email].sort());
    await deliverAll();
    expect(mailsAbout(created.id)).toHaveLength(2);
  });

  it('sends no email without SMTP, and nothing to a workspace without a webhook', async () => {
    const gatewayB = await seedGateway(env.db.db, b.tenant.id);
    const created = await createApprovalRequest(
      held({ tenantId: b.tenant.id, gatewayId: gatewayB.id, principalId: `user:${b.member.id}` }),
    );
    await deliverAll({ mailer: { delivers: false, send: () => Promise.reject(new Error('not sent')) } });
    expect(mailsAbout(created.id)).toEqual([]);
    expect(receiver.received.filter((r) => r.body.includes(created.id))).toEqual([]);
    expect(await countPendingAnnouncements(env.db.db, b.tenant.id)).toBe(0);
  });
});

describe('rotation', () => {
  it('signs with the new secret, and the previous one for a day, so receivers can switch over', async () => {
    const previous = receiver.secret;
    const rotated = await rotateApprovalWebhookSecret(actingAs(env, a, 'owner'));
    expect(rotated.secret).toMatch(/^tgs_/);
    expect(rotated.secret).not.toBe(previous);
    const created = await createApprovalRequest(held());
    await deliverAll();
    const [request] = receiver.received.filter((r) => r.body.includes(created.id));
    const header = String(request!.headers['toolgate-signature']);
    expect(verifySignature(rotated.secret!, request!.body, header)).toEqual({ ok: true });
    expect(verifySignature(previous, request!.body, header)).toEqual({ ok: true });
    expect(verifySignature('tgs_someone-else', request!.body, header)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    receiver.secret = rotated.secret!;
  });
});
