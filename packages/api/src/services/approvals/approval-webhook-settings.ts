import { randomBytes } from 'node:crypto';
import { seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { tenants, type ApprovalWebhookSettings } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { isAdmin, requireAdmin, type Actor } from '../../actor.ts';
import {
  ZSetApprovalWebhookRequest,
  type ApprovalWebhook,
  type ApprovalWebhookChange,
} from '../../schemas/approval-webhook.ts';
import { invalidInput, parseInput } from '../../validation.ts';
import { lockWorkspace, type Tx } from '../../workspace-lock.ts';
import { insertActorAuditRow } from '../audit-row.ts';
import { auditableUrl, endpointUrlIssue } from '../../tenant-endpoint-url.ts';

/** The audit log's method for every change of the approval webhook. */
export const APPROVAL_WEBHOOK_METHOD = 'settings/approval-webhook';

/** Additional authenticated data of a workspace's sealed webhook secret: it opens for that workspace only. */
export const approvalWebhookSecretAad = (tenantId: string): string => `approval-webhook-secret:${tenantId}`;

/** After a rotation, requests carry a signature with the previous secret too, this long. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

interface Scope {
  db: Database;
  tenantId: string;
  actor: Actor;
}

interface SecretScope extends Scope {
  /** TOOLGATE_SECRET_KEYS: without them no secret can be sealed (UNAVAILABLE). */
  secretKeys?: KeyRing;
}

const newSigningSecret = (): string => `tgs_${randomBytes(32).toString('base64url')}`;

function sealSecret(keys: KeyRing | undefined, secret: string, tenantId: string): string {
  if (!keys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
  return seal(keys, secret, approvalWebhookSecretAad(tenantId));
}

/** The webhook as `actor` may see it: owners and admins its URL and secret dates, members whether there is one. */
function viewOf(
  webhook: ApprovalWebhookSettings | undefined,
  actor: Actor,
  now = new Date(),
): ApprovalWebhook {
  if (!webhook) return { configured: false, url: null, secretCreatedAt: null, previousSecretExpiresAt: null };
  if (!isAdmin(actor))
    return { configured: true, url: null, secretCreatedAt: null, previousSecretExpiresAt: null };
  const previous = webhook.previousSecretExpiresAt;
  return {
    configured: true,
    url: webhook.url,
    secretCreatedAt: webhook.secretCreatedAt,
    previousSecretExpiresAt: previous && new Date(previous) > now ? previous : null,
  };
}

async function readWebhook(
  db: Database | Tx,
  tenantId: string,
): Promise<ApprovalWebhookSettings | undefined> {
  const [row] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return row?.settings.approvalWebhook;
}

async function writeWebhook(
  tx: Tx,
  tenantId: string,
  webhook: ApprovalWebhookSettings | null,
): Promise<void> {
  // Only this key changes: other settings written meanwhile are kept.
  await tx
    .update(tenants)
    .set({
      settings: webhook
        ? sql`${tenants.settings} || jsonb_build_object('approvalWebhook', ${JSON.stringify(webhook)}::jsonb)`
        : sql`${tenants.settings} - 'approvalWebhook'`,
    })
    .where(eq(tenants.id, tenantId));
}

type WebhookAction = 'created' | 'changed' | 'rotated' | 'removed';

/**
 * Audited like other settings changes (`settings/…`, straight into `audit_events` in the saving
 * transaction): who, the action, and the URL before and after without its query string (which may
 * carry a token). Never a secret.
 */
async function recordWebhookChange(
  tx: Tx,
  scope: Scope,
  action: WebhookAction,
  before: ApprovalWebhookSettings | undefined,
  after: ApprovalWebhookSettings | null,
): Promise<void> {
  const shown = (w: ApprovalWebhookSettings | null | undefined) => ({ url: w ? auditableUrl(w.url) : null });
  await insertActorAuditRow(tx, scope.actor, {
    tenantId: scope.tenantId,
    occurredAt: new Date(),
    method: APPROVAL_WEBHOOK_METHOD,
    status: 'ok',
    request: { action },
    response: { before: shown(before), after: shown(after) },
  });
}

/** The workspace's approval webhook (any member may ask; only owners and admins learn the URL). */
export async function getApprovalWebhook({ db, tenantId, actor }: Scope): Promise<ApprovalWebhook> {
  return viewOf(await readWebhook(db, tenantId), actor);
}

export interface SetApprovalWebhookOptions extends SecretScope {
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: the same switch lets the webhook reach this machine. */
  allowPrivate: boolean;
  /** ZSetApprovalWebhookRequest: { url } */
  input: unknown;
}

/**
 * Sets where new and decided approval requests are POSTed (owners and admins). The first time, a
 * signing secret is made and answered, once; changing the URL keeps the secret. The URL must be
 * https and must not lead into a private network (the SSRF guard, checked now and at each
 * delivery). Audited.
 */
export async function setApprovalWebhook(options: SetApprovalWebhookOptions): Promise<ApprovalWebhookChange> {
  const { db, tenantId, actor, secretKeys, allowPrivate } = options;
  requireAdmin(actor, 'change the approval webhook');
  const { url } = parseInput(ZSetApprovalWebhookRequest, options.input);
  // Before the transaction: resolving the host is network.
  const issue = await endpointUrlIssue(url, allowPrivate);
  if (issue) throw invalidInput([{ path: 'url', message: issue }]);
  return db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    const current = await readWebhook(tx, tenantId);
    let secret: string | null = null;
    let next: ApprovalWebhookSettings;
    if (current) {
      next = { ...current, url };
    } else {
      secret = newSigningSecret();
      next = {
        url,
        secretSealed: sealSecret(secretKeys, secret, tenantId),
        secretCreatedAt: new Date().toISOString(),
      };
    }
    await writeWebhook(tx, tenantId, next);
    if (!current || current.url !== url)
      await recordWebhookChange(tx, options, current ? 'changed' : 'created', current, next);
    return { webhook: viewOf(next, actor), secret };
  });
}

/**
 * Makes a new signing secret (owners and admins), answered once. For a day, requests are signed
 * with the previous secret too, so the endpoint can switch over without refusing any. Audited.
 */
export async function rotateApprovalWebhookSecret(options: SecretScope): Promise<ApprovalWebhookChange> {
  const { db, tenantId, actor, secretKeys } = options;
  requireAdmin(actor, 'rotate the approval webhook’s secret');
  return db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    const current = await readWebhook(tx, tenantId);
    if (!current) throw new AppError('NOT_FOUND', 'This workspace has no approval webhook');
    const secret = newSigningSecret();
    const now = new Date();
    const next: ApprovalWebhookSettings = {
      url: current.url,
      secretSealed: sealSecret(secretKeys, secret, tenantId),
      secretCreatedAt: now.toISOString(),
      previousSecretSealed: current.secretSealed,
      previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS).toISOString(),
    };
    await writeWebhook(tx, tenantId, next);
    await recordWebhookChange(tx, options, 'rotated', current, next);
    return { webhook: viewOf(next, actor, now), secret };
  });
}

/** Removes the webhook and its secrets (owners and admins); nothing more is sent. Audited. */
export async function deleteApprovalWebhook(options: Scope): Promise<void> {
  const { db, tenantId, actor } = options;
  requireAdmin(actor, 'remove the approval webhook');
  await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    const current = await readWebhook(tx, tenantId);
    if (!current) return;
    await writeWebhook(tx, tenantId, null);
    await recordWebhookChange(tx, options, 'removed', current, null);
  });
}
