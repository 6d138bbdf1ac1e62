import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import {
  approvalAnnouncements,
  type ApprovalAnnouncementChannel,
  type ApprovalAnnouncementEvent,
} from '@toolgate/db/schema';
import { and, eq, sql } from 'drizzle-orm';

/**
 * The announcements' outbox (approval_announcements): the process that stores a request or its
 * decision records what is to be announced in the same transaction, whichever process it is (a
 * proxy holding a call, the web app, a test); workers deliver (deliver-approval-announcements.ts).
 */

/** A new request is emailed to its approvers and POSTed to the webhook; a decision is POSTed. */
const CHANNELS: Record<ApprovalAnnouncementEvent, ApprovalAnnouncementChannel[]> = {
  requested: ['email', 'webhook'],
  decided: ['webhook'],
};

/** Records the announcements of `event`; recording them again is a no-op (one row per request, event and channel). */
export async function recordApprovalAnnouncements(
  tx: Executor,
  { tenantId, approvalId, event }: { tenantId: string; approvalId: string; event: ApprovalAnnouncementEvent },
): Promise<void> {
  await tx
    .insert(approvalAnnouncements)
    .values(CHANNELS[event].map((channel) => ({ tenantId, approvalId, event, channel })))
    .onConflictDoNothing();
}

export interface AnnouncementKey {
  approvalId: string;
  event: ApprovalAnnouncementEvent;
  channel: ApprovalAnnouncementChannel;
}

export interface ClaimedAnnouncement extends AnnouncementKey {
  tenantId: string;
  /** Including this one. */
  attempts: number;
}

/**
 * Claims up to `limit` due announcements for `leaseMs`, oldest first (SKIP LOCKED: workers share
 * them). One that is not finished within the lease (its worker died) is due again.
 */
export async function claimDueAnnouncements(
  db: Database,
  { limit, leaseMs, now = new Date() }: { limit: number; leaseMs: number; now?: Date },
): Promise<ClaimedAnnouncement[]> {
  const leasedUntil = new Date(now.getTime() + leaseMs);
  const claimed = await db.execute<{
    approval_id: string;
    event: ApprovalAnnouncementEvent;
    channel: ApprovalAnnouncementChannel;
    tenant_id: string;
    attempts: number;
  }>(sql`
    update ${approvalAnnouncements} set due_at = ${leasedUntil.toISOString()}, attempts = attempts + 1
    where (approval_id, event, channel) in (
      select approval_id, event, channel from ${approvalAnnouncements}
      where due_at <= ${now.toISOString()}
      order by due_at
      limit ${limit}
      for update skip locked
    )
    returning approval_id, event, channel, tenant_id, attempts`);
  return claimed.rows.map((r) => ({
    approvalId: r.approval_id,
    event: r.event,
    channel: r.channel,
    tenantId: r.tenant_id,
    attempts: Number(r.attempts),
  }));
}

const claimedRow = (a: ClaimedAnnouncement) =>
  and(
    eq(approvalAnnouncements.approvalId, a.approvalId),
    eq(approvalAnnouncements.event, a.event),
    eq(approvalAnnouncements.channel, a.channel),
    // Still this claim: after a lease ran out another worker's claim counts another attempt.
    eq(approvalAnnouncements.attempts, a.attempts),
  );

/**
 * Removes a claimed announcement (delivered, or nothing left to do). True when this claim still
 * held it: an email is sent only after taking it this way, so it is never sent twice.
 */
export async function finishAnnouncement(db: Database, claimed: ClaimedAnnouncement): Promise<boolean> {
  const gone = await db
    .delete(approvalAnnouncements)
    .where(claimedRow(claimed))
    .returning({ id: approvalAnnouncements.approvalId });
  return gone.length > 0;
}

/** Makes a claimed announcement due again at `dueAt`, noting why this attempt failed. */
export async function retryAnnouncementAt(
  db: Database,
  claimed: ClaimedAnnouncement,
  dueAt: Date,
  error: string,
): Promise<void> {
  await db
    .update(approvalAnnouncements)
    .set({ dueAt, lastError: error.slice(0, 500) })
    .where(claimedRow(claimed));
}

/** Puts back an announcement taken with finishAnnouncement, due at `dueAt` (an email no relay took). */
export async function requeueAnnouncement(
  db: Database,
  claimed: ClaimedAnnouncement,
  dueAt: Date,
  error: string,
): Promise<void> {
  const { approvalId, event, channel, tenantId, attempts } = claimed;
  await db
    .insert(approvalAnnouncements)
    .values({ approvalId, event, channel, tenantId, attempts, dueAt, lastError: error.slice(0, 500) })
    .onConflictDoNothing();
}

/** Announcements not delivered yet (metrics, tests). */
export async function countPendingAnnouncements(db: Database, tenantId?: string): Promise<number> {
  return db.$count(
    approvalAnnouncements,
    tenantId ? eq(approvalAnnouncements.tenantId, tenantId) : undefined,
  );
}
