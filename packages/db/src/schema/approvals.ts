import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns.ts';
import { gateways } from './gateways.ts';
import { policies, type ApproverKind } from './policies.ts';
import { teams, tenants, users } from './tenancy.ts';

/**
 * `pending` until someone decides or it expires; `approved` lets the same call through once
 * (then `used`) until `approved_until`; `denied` and `expired` are final.
 */
export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'used'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * A tool call a `require_approval` policy held for the workspace's admins or a team's
 * maintainers (calls the caller confirms themselves are never stored). "The same call" is the same
 * gateway, caller (`principal_id`), exposed tool name and `args_hash` (canonicalArgsHash in
 * @toolgate/core/approval-hash, of the raw arguments); `args` keeps only the redacted arguments,
 * for people to read. Policy name and message are copied: the request must read the same after
 * the policy changes or goes.
 */
export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
    policyId: uuid().references(() => policies.id, { onDelete: 'set null' }),
    policyName: text().notNull(),
    policyMessage: text().notNull().default(''),
    /** The name the caller used (the gateway's exposed name). */
    toolName: text().notNull(),
    /** Redacted and size-capped (captureForAudit): never the raw arguments. */
    args: jsonb().notNull(),
    argsHash: text().notNull(),
    /** `user:<id>`, `token:<id>`, … as the proxy names callers. */
    principalId: text().notNull(),
    /** The member behind the call (a user's own token too), for "my requests"; null for org/team tokens. */
    callerUserId: uuid().references(() => users.id, { onDelete: 'set null' }),
    /** For display: an email address or a token's name. */
    callerLabel: text().notNull().default(''),
    /** The client (OAuth client or declared name); '' when unknown. */
    agent: text().notNull().default(''),
    approvers: text().$type<Exclude<ApproverKind, 'caller'>>().notNull(),
    /** `approvers = 'team'`: the team whose maintainers decide (null once deleted: admins decide). */
    approverTeamId: uuid().references(() => teams.id, { onDelete: 'set null' }),
    status: text().$type<ApprovalStatus>().notNull().default('pending'),
    note: text().notNull().default(''),
    decidedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    /** Approved requests: the retried call passes once before this. */
    approvedUntil: timestamp({ withTimezone: true }),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('approval_requests_inbox_idx').on(t.tenantId, t.status, t.createdAt),
    index('approval_requests_call_idx').on(t.tenantId, t.gatewayId, t.principalId, t.toolName, t.argsHash),
    // One pending request per call: a retried call joins the request already waiting.
    uniqueIndex('approval_requests_pending_call_idx')
      .on(t.tenantId, t.gatewayId, t.principalId, t.toolName, t.argsHash)
      .where(sql`${t.status} = 'pending'`),
    check(
      'approval_requests_status_chk',
      sql`${t.status} in ('pending', 'approved', 'denied', 'expired', 'used')`,
    ),
    check('approval_requests_approvers_chk', sql`${t.approvers} in ('admins', 'team')`),
  ],
);

/** What is announced about a request: that it waits (`requested`), and that it was decided. */
export const APPROVAL_ANNOUNCEMENT_EVENTS = ['requested', 'decided'] as const;
export type ApprovalAnnouncementEvent = (typeof APPROVAL_ANNOUNCEMENT_EVENTS)[number];
/** How: the approvers' email, and the workspace's approval webhook. */
export const APPROVAL_ANNOUNCEMENT_CHANNELS = ['email', 'webhook'] as const;
export type ApprovalAnnouncementChannel = (typeof APPROVAL_ANNOUNCEMENT_CHANNELS)[number];

/**
 * The announcements' outbox: written with the request (or its decision) by whichever process
 * stores it, delivered by a worker, deleted once delivered or given up. One row per request, event
 * and channel, so nothing is announced twice however often it is recorded. A worker claims a row
 * by moving `due_at` past its lease; a failure moves it to the next attempt's time.
 */
export const approvalAnnouncements = pgTable(
  'approval_announcements',
  {
    approvalId: uuid()
      .notNull()
      .references(() => approvalRequests.id, { onDelete: 'cascade' }),
    event: text().$type<ApprovalAnnouncementEvent>().notNull(),
    channel: text().$type<ApprovalAnnouncementChannel>().notNull(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** Deliveries started (claims). */
    attempts: integer().notNull().default(0),
    dueAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Why the last attempt failed (never a secret, never the arguments). */
    lastError: text(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.approvalId, t.event, t.channel] }),
    index('approval_announcements_due_idx').on(t.dueAt),
    check('approval_announcements_event_chk', sql`${t.event} in ('requested', 'decided')`),
    check('approval_announcements_channel_chk', sql`${t.channel} in ('email', 'webhook')`),
  ],
);
