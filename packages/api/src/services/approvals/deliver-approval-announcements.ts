import { openString, type KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { SIGNATURE_HEADER, signBody } from '@toolgate/core/webhook-signature';
import type { Database } from '@toolgate/db/client';
import { approvalRequests, tenants, type ApprovalWebhookSettings } from '@toolgate/db/schema';
import { guardedPost, GuardedGetError } from '@toolgate/net/guarded-get';
import { and, eq } from 'drizzle-orm';
import type { Mailer } from '../../mail/mailer.ts';
import { isForeignKeyViolation } from '../../pg-errors.ts';
import {
  claimDueAnnouncements,
  finishAnnouncement,
  requeueAnnouncement,
  retryAnnouncementAt,
  type ClaimedAnnouncement,
} from './approval-announcements.ts';
import { announceApprovalRequest } from './approval-mail.ts';
import { approvalWebhookEvent } from './approval-webhook-event.ts';
import { approvalWebhookSecretAad } from './approval-webhook-settings.ts';
import { endpointUrlFormIssue } from '../../tenant-endpoint-url.ts';

export interface ApprovalAnnouncerOptions {
  db: Database;
  /** Approvers are emailed only when it delivers (SMTP). */
  mailer: Mailer;
  /** PUBLIC_WEB_URL: links to the Approvals inbox. */
  publicWebUrl: string;
  /** Opens the webhook's signing secret; without it nothing is POSTed. */
  secretKeys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS, as when the URL was saved. */
  allowPrivate: boolean;
  log: Logger;
  /** Bound on one POST, connect to last byte. */
  timeoutMs?: number;
  /** Delay before the first retry; each later one waits four times longer. */
  backoffMs?: number;
  /** Attempts before an announcement is given up. */
  maxAttempts?: number;
  /** Announcements claimed (and sent in parallel) per batch. */
  limit?: number;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface AnnouncementBatchResult {
  claimed: number;
  delivered: number;
  /** Nothing to send (no webhook, mail not configured, request gone or already decided). */
  skipped: number;
  retrying: number;
  /** Given up: refused by the endpoint, its URL refused, or out of attempts. */
  failed: number;
}

type Outcome =
  { kind: 'delivered' | 'skipped' } | { kind: 'retry'; error: string } | { kind: 'failed'; error: string };

/**
 * One batch of the worker's announcements: claims what is due and delivers it. A webhook is
 * retried with back-off after a network error, a timeout, a 429 or a 5xx, and given up after a
 * 3xx or another 4xx. An email is taken off the outbox before it is sent, so it goes at most once;
 * it is tried again only when no approver's address was accepted. Logs name the request and the
 * outcome, never the secret or the arguments.
 */
export async function deliverDueApprovalAnnouncements(
  options: ApprovalAnnouncerOptions,
): Promise<AnnouncementBatchResult> {
  const { db, log } = options;
  const backoffMs = options.backoffMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  // Room for every POST of the batch to time out, and the mail relay.
  const leaseMs = Math.max(60_000, timeoutMs * 4);
  const claimed = await claimDueAnnouncements(db, { limit: options.limit ?? 16, leaseMs });
  const result: AnnouncementBatchResult = {
    claimed: claimed.length,
    delivered: 0,
    skipped: 0,
    retrying: 0,
    failed: 0,
  };
  await Promise.all(
    claimed.map(async (a) => {
      const context = { approvalId: a.approvalId, tenantId: a.tenantId, event: a.event, attempt: a.attempts };
      let outcome: Outcome;
      try {
        outcome =
          a.channel === 'email' ? await sendEmail(options, a) : await postWebhook(options, a, timeoutMs);
      } catch (err) {
        outcome = { kind: 'retry', error: (err as Error).message };
      }
      if (outcome.kind === 'retry' && a.attempts >= maxAttempts)
        outcome = { kind: 'failed', error: `${outcome.error} (gave up after ${a.attempts} attempts)` };
      if (outcome.kind === 'retry') {
        const dueAt = new Date(Date.now() + backoffMs * 4 ** (a.attempts - 1));
        if (a.channel === 'email') await requeueEmail(db, a, dueAt, outcome.error);
        else await retryAnnouncementAt(db, a, dueAt, outcome.error);
        log.warn(
          { ...context, channel: a.channel, error: outcome.error },
          'approval announcement will be retried',
        );
        result.retrying++;
        return;
      }
      if (a.channel === 'webhook') await finishAnnouncement(db, a);
      if (outcome.kind === 'failed') {
        log.warn(
          { ...context, channel: a.channel, error: outcome.error },
          'approval announcement not delivered',
        );
        result.failed++;
      } else {
        if (outcome.kind === 'delivered') log.info({ ...context, channel: a.channel }, 'approval announced');
        result[outcome.kind]++;
      }
    }),
  );
  return result;
}

async function requeueEmail(db: Database, a: ClaimedAnnouncement, dueAt: Date, error: string) {
  try {
    await requeueAnnouncement(db, a, dueAt, error);
  } catch (err) {
    // The request was deleted meanwhile: nothing to announce.
    if (!isForeignKeyViolation(err)) throw err;
  }
}

async function sendEmail(options: ApprovalAnnouncerOptions, a: ClaimedAnnouncement): Promise<Outcome> {
  const { db } = options;
  // Taken before sending: a retry of this batch, or another worker, cannot send it again.
  if (!(await finishAnnouncement(db, a))) return { kind: 'skipped' };
  if (!options.mailer.delivers) return { kind: 'skipped' };
  const [request] = await db
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.tenantId, a.tenantId), eq(approvalRequests.id, a.approvalId)));
  // Decided (or expired) before the email went: the approvers have nothing left to do.
  if (!request || request.status !== 'pending' || request.expiresAt <= new Date()) return { kind: 'skipped' };
  const sent = await announceApprovalRequest(
    db,
    { mailer: options.mailer, publicWebUrl: options.publicWebUrl, log: options.log },
    request,
  );
  if (sent.failed > 0 && sent.failed >= sent.recipients)
    return { kind: 'retry', error: 'no approver’s email was sent' };
  return sent.recipients > 0 ? { kind: 'delivered' } : { kind: 'skipped' };
}

async function postWebhook(
  options: ApprovalAnnouncerOptions,
  a: ClaimedAnnouncement,
  timeoutMs: number,
): Promise<Outcome> {
  const { db } = options;
  const [tenant] = await db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, a.tenantId));
  const webhook = tenant?.settings.approvalWebhook;
  if (!webhook) return { kind: 'skipped' };
  if (!options.secretKeys) return { kind: 'failed', error: 'this worker has no secret keys to sign with' };
  const urlIssue = endpointUrlFormIssue(webhook.url, options.allowPrivate);
  if (urlIssue) return { kind: 'failed', error: `the webhook URL ${urlIssue}` };
  const event = await approvalWebhookEvent(db, {
    tenantId: a.tenantId,
    approvalId: a.approvalId,
    event: a.event,
    publicWebUrl: options.publicWebUrl,
  });
  if (!event) return { kind: 'skipped' };

  const body = JSON.stringify(event);
  const signature = signatureFor(options.secretKeys, webhook, a.tenantId, body);
  if (!signature)
    return { kind: 'failed', error: 'the signing secret could not be opened with this key ring' };
  try {
    const response = await guardedPost(new URL(webhook.url), body, {
      allowPrivate: options.allowPrivate,
      timeoutMs,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Toolgate-Webhook/1',
        [SIGNATURE_HEADER]: signature,
      },
    });
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    const error = `the endpoint answered HTTP ${response.status}`;
    return response.status >= 500 || response.status === 429 || response.status === 408
      ? { kind: 'retry', error }
      : { kind: 'failed', error };
  } catch (err) {
    if (!(err instanceof GuardedGetError)) throw err;
    // The guard's messages name the host, never the path or query.
    if (err.kind === 'blocked') return { kind: 'failed', error: err.message };
    // A long answer after a 2xx status cannot be told from a delivered one: retry.
    return { kind: 'retry', error: `${err.kind}: ${err.message}` };
  }
}

/**
 * The signature header: with the current secret, and while the endpoint switches to a rotated
 * secret a second `v1` with the previous one. Undefined when a secret does not open (the key ring
 * lost its key).
 */
function signatureFor(
  keys: KeyRing,
  webhook: ApprovalWebhookSettings,
  tenantId: string,
  body: string,
): string | undefined {
  const aad = approvalWebhookSecretAad(tenantId);
  const now = Date.now();
  try {
    let signature = signBody(openString(keys, webhook.secretSealed, aad), body, now);
    if (webhook.previousSecretSealed && new Date(webhook.previousSecretExpiresAt ?? 0).getTime() > now) {
      const previous = signBody(openString(keys, webhook.previousSecretSealed, aad), body, now);
      signature += `,${previous.slice(previous.indexOf('v1='))}`;
    }
    return signature;
  } catch {
    return undefined;
  }
}
