import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { LimitOverrides } from '@toolgate/core/plans';
import { createdAt, id, updatedAt } from './columns.ts';

export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
/** A maintainer manages the team's installations and tokens and sees the team's usage. */
export const TEAM_ROLES = ['member', 'maintainer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export interface TenantSettings {
  /** Days audit events are kept; the worker expires older ones. */
  auditRetentionDays?: number;
  /** Whether IdP callers unknown to the tenant become users on first call. */
  allowJitUsers?: boolean;
  /** Tools a discovery finds for the first time are approved on sight; absent = true. */
  autoApproveNewTools?: boolean;
  /**
   * While a changed tool definition waits for review: keep serving the approved definition
   * (`serve_approved`, the default) or switch the tool off until approved (`disable`).
   */
  onToolChange?: 'serve_approved' | 'disable';
  /** Where new and decided approval requests are POSTed, signed (see docs/policies.md "Approvals"). */
  approvalWebhook?: ApprovalWebhookSettings;
}

export interface ApprovalWebhookSettings {
  /** https (http to this machine only where private upstreams are allowed). */
  url: string;
  /** The signing secret, sealed with the key ring under `approval-webhook-secret:<tenant id>`. */
  secretSealed: string;
  /** ISO time the current secret was made. */
  secretCreatedAt: string;
  /** After a rotation, requests are signed with the previous secret too, until this ISO time. */
  previousSecretSealed?: string;
  previousSecretExpiresAt?: string;
}

export const tenants = pgTable('tenants', {
  id: id(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  settings: jsonb().$type<TenantSettings>().notNull().default({}),
  /**
   * Raised by every recorded configuration change (packages/db config-outbox.ts): snapshots carry
   * the version they were compiled from, so a proxy can tell a copy older than a change it heard of.
   */
  configVersion: bigint({ mode: 'number' }).notNull().default(0),
  /** The plan's name in the deployment's plans configuration; null = the deployment's default plan. */
  plan: text(),
  /** Per-tenant limits set by an operator over the plan's (`toolgate tenant set-limits`); null = unlimited. */
  limitOverrides: jsonb().$type<LimitOverrides>().notNull().default({}),
  /** Set when an owner deletes the workspace: it serves nothing from then on, and a worker job purges it. */
  deletedAt: timestamp({ withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text().notNull(),
    name: text(),
    /** argon2id; null for users who only sign in through an identity provider. */
    passwordHash: text(),
    emailVerifiedAt: timestamp({ withTimezone: true }),
    /**
     * Web sessions signed in before this are refused (set when the password is reset), since a
     * JWT session cannot be revoked one by one. Null: every unexpired session stands.
     */
    sessionsValidAfter: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
);

export const memberships = pgTable(
  'memberships',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text({ enum: MEMBER_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

export const teams = pgTable(
  'teams',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    slug: text().notNull(),
    name: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('teams_tenant_slug_idx').on(t.tenantId, t.slug)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text({ enum: TEAM_ROLES }).notNull().default('member'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId] }),
    index('team_members_tenant_user_idx').on(t.tenantId, t.userId),
  ],
);

export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    email: text().notNull(),
    role: text({ enum: MEMBER_ROLES }).notNull(),
    tokenHash: text().notNull().unique(),
    invitedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    acceptedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_tenant_idx').on(t.tenantId)],
);

/**
 * Single-use password reset links. Only the SHA-256 of the token is stored; a row is spent
 * when `usedAt` is set, and every newer request leaves older rows to expire on their own.
 */
export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull().unique(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('password_reset_tokens_user_idx').on(t.userId)],
);

/**
 * Single-use email verification links, sent at sign-up and when the user asks again. Only the
 * SHA-256 of the token is stored; `email` is the address the link went to, so a link verifies that
 * address and no other. Verifying spends every live link of the user.
 */
export const emailVerificationTokens = pgTable(
  'email_verification_tokens',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text().notNull(),
    tokenHash: text().notNull().unique(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('email_verification_tokens_user_idx').on(t.userId)],
);
