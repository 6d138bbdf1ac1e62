import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import { memberships, tenants, users } from '@toolgate/db/schema';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { publicLink } from '../../link-token.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { serverVersionChangeMail } from '../../mail/messages.ts';
import type { ServerVersionChange } from './record-server-version.ts';

/** How a server's version change is announced by email (when mail is configured). */
export interface VersionChangeMail {
  mailer: Mailer;
  /** PUBLIC_WEB_URL: the message links to the installation's page there. */
  publicWebUrl: string;
  /** Where a failed send is reported (the change stands recorded either way). */
  log?: Logger;
}

/** Owners and admins of the workspace, verified addresses only (an unverified one may not be theirs). */
async function adminAddresses(db: Database, tenantId: string): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, and(eq(users.id, memberships.userId), isNotNull(users.emailVerifiedAt)))
    .where(and(eq(memberships.tenantId, tenantId), inArray(memberships.role, ['owner', 'admin'])));
  return [...new Set(rows.map((r) => r.email))];
}

/**
 * Emails the workspace's owners and admins that a server's version changed, with a link to the
 * installation. Sent after the commit, from the process that saw the change (the web app for a
 * discovery or "Check now", the worker for scheduled checks); without SMTP nobody is emailed (the
 * installation page and the audit log show the change). Never throws: a failed send is logged and
 * counted; the change is not announced again.
 */
export async function announceVersionChange(
  db: Database,
  mail: VersionChangeMail | undefined,
  change: ServerVersionChange,
): Promise<{ recipients: number; failed: number }> {
  if (!mail?.mailer.delivers) return { recipients: 0, failed: 0 };
  let recipients = 0;
  try {
    const [tenant] = await db
      .select({ slug: tenants.slug, name: tenants.name })
      .from(tenants)
      .where(eq(tenants.id, change.tenantId));
    if (!tenant) return { recipients: 0, failed: 0 };
    const link = publicLink(mail.publicWebUrl, `/t/${tenant.slug}/servers/${change.installationId}`);
    const to = await adminAddresses(db, change.tenantId);
    recipients = to.length;
    const results = await Promise.allSettled(
      to.map((address) =>
        mail.mailer.send(
          serverVersionChangeMail({
            to: address,
            link,
            tenantName: tenant.name,
            installationName: change.installationName,
            fromVersion: change.from,
            toVersion: change.to,
            seenAt: change.at,
          }),
        ),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0)
      mail.log?.warn(
        { installationId: change.installationId, failed },
        'server version change email not sent to every admin',
      );
    return { recipients, failed };
  } catch (err) {
    mail.log?.warn(
      { installationId: change.installationId, err: (err as Error).message },
      'server version change email failed',
    );
    return { recipients, failed: Math.max(recipients, 1) };
  }
}
