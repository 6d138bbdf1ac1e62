import type { Logger } from '@toolgate/core/logger';
import { effectiveLimits, resolvePlan, type PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { memberships, quotaNotices, tenants, users } from '@toolgate/db/schema';
import { and, asc, eq, gt, inArray, isNotNull, isNull } from 'drizzle-orm';
import { publicLink } from '../../link-token.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { quotaPeriod, WARNING_PERCENT } from './get-quota-status.ts';
import { monthlyToolCallsByTenant } from './monthly-tool-calls.ts';
import { quotaWarningMail } from './quota-mail.ts';

export interface SendQuotaNoticesOptions {
  db: Database;
  plans: PlansConfig;
  mailer: Mailer;
  /** PUBLIC_WEB_URL: the email links to the workspace's usage page there. */
  publicWebUrl: string;
  log?: Logger;
  now?: Date;
  /** Tenants read per query. */
  pageSize?: number;
}

/** One warning recorded in this pass, and how its email went. */
export interface SentQuotaNotice {
  tenantId: string;
  threshold: 80 | 100;
  used: number;
  limit: number;
  recipients: number;
  failed: number;
}

const THRESHOLDS = [WARNING_PERCENT, 100] as const;

/** Owners and admins, verified addresses only (an unverified one may not be theirs). */
async function ownerAndAdminAddresses(db: Database, tenantId: string): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, and(eq(users.id, memberships.userId), isNotNull(users.emailVerifiedAt)))
    .where(and(eq(memberships.tenantId, tenantId), inArray(memberships.role, ['owner', 'admin'])));
  return [...new Set(rows.map((r) => r.email))];
}

/**
 * One pass of the quota warnings: for every workspace with a monthly quota whose tool calls this
 * month reached 80% (or 100%) of it, records the notice for the period and emails its owners and
 * admins. The row is the once-only guard: whichever process inserts it sends (any number of
 * workers may run the pass at once), so each threshold is announced once per period, and a new
 * month starts afresh. A workspace past both thresholds at once gets the 100% email only. A failed
 * send is logged, not retried (the usage page shows the same warning). Without SMTP the mailer
 * logs the message instead.
 */
export async function sendQuotaNotices({
  db,
  plans,
  mailer,
  publicWebUrl,
  log,
  now = new Date(),
  pageSize = 500,
}: SendQuotaNoticesOptions): Promise<{ checked: number; sent: SentQuotaNotice[] }> {
  const period = quotaPeriod(now);
  const sent: SentQuotaNotice[] = [];
  let checked = 0;
  let after: string | undefined;
  for (;;) {
    const page = await db
      .select({
        id: tenants.id,
        slug: tenants.slug,
        name: tenants.name,
        plan: tenants.plan,
        overrides: tenants.limitOverrides,
      })
      .from(tenants)
      .where(and(isNull(tenants.deletedAt), after ? gt(tenants.id, after) : undefined))
      .orderBy(asc(tenants.id))
      .limit(pageSize);
    if (page.length === 0) break;
    after = page.at(-1)!.id;
    const limited = page.flatMap((tenant) => {
      const { limits } = effectiveLimits(resolvePlan(plans, tenant.plan).plan, tenant.overrides);
      return limits.callsPerMonth === null ? [] : [{ ...tenant, limit: limits.callsPerMonth }];
    });
    checked += limited.length;
    const used = await monthlyToolCallsByTenant(
      db,
      limited.map((t) => t.id),
      period,
    );
    for (const tenant of limited) {
      const calls = used.get(tenant.id) ?? 0;
      // A quota of 0 refuses every call: nothing was used, so there is nothing to warn about.
      const reached = THRESHOLDS.filter((t) => calls > 0 && calls * 100 >= tenant.limit * t);
      if (reached.length === 0) continue;
      const inserted = await db
        .insert(quotaNotices)
        .values(reached.map((threshold) => ({ tenantId: tenant.id, periodStart: period.start, threshold })))
        .onConflictDoNothing()
        .returning({ threshold: quotaNotices.threshold });
      if (inserted.length === 0) continue;
      const threshold = Math.max(...inserted.map((r) => r.threshold)) === 100 ? 100 : WARNING_PERCENT;
      const outcome = await email(db, mailer, log, {
        tenantId: tenant.id,
        warning: {
          threshold,
          workspace: tenant.name,
          used: calls,
          limit: tenant.limit,
          resetsAt: period.end,
          link: publicLink(publicWebUrl, `/t/${tenant.slug}/usage`),
        },
      });
      sent.push({ tenantId: tenant.id, threshold, used: calls, limit: tenant.limit, ...outcome });
    }
    if (page.length < pageSize) break;
  }
  return { checked, sent };
}

async function email(
  db: Database,
  mailer: Mailer,
  log: Logger | undefined,
  { tenantId, warning }: { tenantId: string; warning: Parameters<typeof quotaWarningMail>[0]['warning'] },
): Promise<{ recipients: number; failed: number }> {
  let recipients = 0;
  try {
    const to = await ownerAndAdminAddresses(db, tenantId);
    recipients = to.length;
    const results = await Promise.allSettled(
      to.map((address) => mailer.send(quotaWarningMail({ to: address, warning }))),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0)
      log?.warn({ tenantId, threshold: warning.threshold, failed }, 'quota warning not sent to every admin');
    return { recipients, failed };
  } catch (err) {
    log?.warn(
      { tenantId, threshold: warning.threshold, err: (err as Error).message },
      'quota warning email failed',
    );
    return { recipients, failed: Math.max(recipients, 1) };
  }
}
