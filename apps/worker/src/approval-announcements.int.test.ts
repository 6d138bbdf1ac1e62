import { randomBytes } from 'node:crypto';
import type { Actor } from '@toolgate/api/actor';
import type { ApprovalWebhookEvent } from '@toolgate/api/schemas/approval-webhook';
import {
  countPendingAnnouncements,
  createApprovalRequest,
  decideApproval,
  setApprovalWebhook,
} from '@toolgate/api/services/approvals';
import { createOutboxMailer } from '@toolgate/api/testing/outbox-mailer';
import { startWebhookReceiver, type WebhookReceiver } from '@toolgate/api/testing/webhook-receiver';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import {
  createTestDatabase,
  seedGateway,
  seedMember,
  seedTenant,
  type TestDatabase,
} from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorker, type Worker } from './build-worker.ts';
import { ZWorkerEnv } from './env.ts';

const log = createLogger({ name: 'approval-announcements-worker-test', level: 'silent', pretty: false });
const WEB = 'https://toolgate.example.test';
const keySpec = generateKeySpec();

let db: TestDatabase;
let receiver: WebhookReceiver;
const mailer = createOutboxMailer();
const buses: Bus[] = [];
const workers: Worker[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  receiver = await startWebhookReceiver();
  const env = parseEnv(ZWorkerEnv, {
    DATABASE_URL: db.url,
    PUBLIC_WEB_URL: WEB,
    TOOLGATE_SECRET_KEYS: keySpec,
    // The receiver listens on this machine, over plain http: the development switch allows it.
    TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
    APPROVAL_ANNOUNCE_INTERVAL_MS: '25',
    APPROVAL_WEBHOOK_TIMEOUT_MS: '2000',
    INSTALLATION_HEALTH_INTERVAL_MS: '0',
    CONNECTION_REFRESH_AHEAD_MS: '0',
  });
  // Two workers on one database: each announcement still goes once.
  const prefix = `tgtest-${randomBytes(4).toString('hex')}`;
  for (let i = 0; i < 2; i++) {
    const bus = createBus({ redisUrl: inject('redisUrl') || undefined, prefix });
    buses.push(bus);
    const worker = buildWorker({ env, db, bus, log, mailer });
    workers.push(worker);
    worker.start();
  }
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(buses.map((b) => b.close()));
  await receiver?.close();
  await db?.destroy();
});

describe('approval announcements from the worker', () => {
  it('emails the approvers once and POSTs one signed webhook per event for a request a proxy held', async () => {
    const tenant = await seedTenant(db.db);
    const owner = await seedMember(db.db, tenant.id, 'owner');
    const admin = await seedMember(db.db, tenant.id, 'admin');
    const member = await seedMember(db.db, tenant.id, 'member');
    const gateway = await seedGateway(db.db, tenant.id);
    const ownerActor: Actor = { userId: owner.id, role: 'owner' };
    const webhook = await setApprovalWebhook({
      db: db.db,
      tenantId: tenant.id,
      actor: ownerActor,
      secretKeys: parseKeyRing(keySpec),
      allowPrivate: true,
      input: { url: receiver.url },
    });
    receiver.secret = webhook.secret!;

    // What the proxy's approval store does when a policy holds a call for the admins.
    const held = {
      db: db.db,
      tenantId: tenant.id,
      gatewayId: gateway.id,
      policy: { id: null, name: 'Sends need approval', message: '', approvers: { kind: 'admins' as const } },
      toolName: 'mail__send',
      args: { to: 'ceo@example.test', api_key: 'sk-live-0123456789abcdef0123456789' },
      principalId: `user:${member.id}`,
      callerLabel: member.email,
      agent: 'cursor',
    };
    const created = await createApprovalRequest(held);
    expect((await createApprovalRequest(held)).created).toBe(false);

    const about = () => ({
      mails: mailer.messages.filter((m) => m.link === `${WEB}/t/${tenant.slug}/approvals?id=${created.id}`),
      events: receiver
        .accepted()
        .filter((e) => (e as ApprovalWebhookEvent).approval.id === created.id) as ApprovalWebhookEvent[],
    });
    await eventually(async () => {
      expect(await countPendingAnnouncements(db.db, tenant.id)).toBe(0);
      expect(about().events).toHaveLength(1);
    });
    const { mails, events } = about();
    expect(mails.map((m) => m.to).sort()).toEqual([owner.email, admin.email].sort());
    expect(events[0]).toMatchObject({
      type: 'approval.requested',
      approval: { id: created.id, tool: 'mail__send', caller: { label: member.email }, agent: 'cursor' },
      tenant: { id: tenant.id, slug: tenant.slug },
    });
    expect(JSON.stringify(events)).not.toContain('sk-live');
    // Every request the receiver got verified (it answers 401 otherwise).
    expect(receiver.received.map((r) => r.status)).toEqual([200]);

    await decideApproval({
      db: db.db,
      bus: buses[0]!,
      tenantId: tenant.id,
      actor: { userId: admin.id, role: 'admin' },
      id: created.id,
      decision: 'approve',
      note: 'fine this once',
    });
    await eventually(async () => {
      expect(await countPendingAnnouncements(db.db, tenant.id)).toBe(0);
      expect(about().events).toHaveLength(2);
    });
    expect(about().events[1]).toMatchObject({
      type: 'approval.decided',
      approval: {
        id: created.id,
        decision: {
          status: 'approved',
          by: { userId: admin.id, email: admin.email },
          note: 'fine this once',
        },
      },
    });
    // Nothing more once the outbox is empty: one email per approver, one POST per event.
    const passes = await Promise.all(workers.map((w) => w.announceApprovals()));
    expect(passes.map((p) => p.claimed)).toEqual([0, 0]);
    expect(about().mails).toHaveLength(2);
    expect(receiver.received.map((r) => r.status)).toEqual([200, 200]);
  });
});
