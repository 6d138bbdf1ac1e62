import type { Logger } from '@toolgate/core/logger';
import type { Executor } from '@toolgate/db/config-outbox';
import { memberships, teamMembers, tenants, users } from '@toolgate/db/schema';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { publicLink } from '../../link-token.ts';
import type { Mailer, MailMessage } from '../../mail/mailer.ts';

/** How a new approval request is announced by email (when mail is configured). */
export interface ApprovalMailOptions {
  mailer: Mailer;
  /** PUBLIC_WEB_URL: the message links to the workspace's Approvals page there. */
  publicWebUrl: string;
  /** Where a failed send is reported (the request stands either way). */
  log?: Logger;
}

export interface AnnouncedRequest {
  id: string;
  tenantId: string;
  toolName: string;
  callerLabel: string;
  agent: string;
  policyName: string;
  policyMessage: string;
  approvers: 'admins' | 'team';
  approverTeamId: string | null;
  expiresAt: Date;
}

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** Values from callers and admins, one line each whatever they contain, and not endless. */
const oneLine = (value: string, max = 200): string => {
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * Who is told: a team's maintainers for a team's request, else (and when the team has none left)
 * the workspace's owners and admins. Verified addresses only: an unverified one may not be theirs.
 */
async function recipients(db: Executor, request: AnnouncedRequest): Promise<string[]> {
  const verifiedMembers = and(
    eq(memberships.tenantId, request.tenantId),
    eq(memberships.userId, users.id),
    isNotNull(users.emailVerifiedAt),
  );
  if (request.approvers === 'team' && request.approverTeamId) {
    const maintainers = await db
      .select({ email: users.email })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .innerJoin(memberships, verifiedMembers)
      .where(
        and(
          eq(teamMembers.tenantId, request.tenantId),
          eq(teamMembers.teamId, request.approverTeamId),
          eq(teamMembers.role, 'maintainer'),
        ),
      );
    if (maintainers.length > 0) return maintainers.map((m) => m.email);
  }
  const admins = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, verifiedMembers)
    .where(and(eq(memberships.tenantId, request.tenantId), inArray(memberships.role, ['owner', 'admin'])));
  return admins.map((a) => a.email);
}

export function approvalRequestMail({
  to,
  link,
  workspace,
  request,
}: {
  to: string;
  link: string;
  workspace: string;
  request: AnnouncedRequest;
}): MailMessage {
  const tool = oneLine(request.toolName);
  const caller = oneLine(request.callerLabel) || 'A caller';
  const agent = request.agent ? ` (through ${oneLine(request.agent, 100)})` : '';
  const policy = oneLine(request.policyName);
  const message = request.policyMessage ? oneLine(request.policyMessage, 1000) : '';
  const until = request.expiresAt.toUTCString();
  const subject = oneLine(`Approval needed in ${workspace}: ${tool} called by ${caller}`);
  const text = [
    `${caller}${agent} called ${tool} in ${workspace}. The policy "${policy}" holds the call until someone approves it.`,
    ...(message ? ['', message] : []),
    '',
    'Review the call, its arguments, and approve or deny it here:',
    link,
    '',
    `The request expires on ${until} if nobody decides.`,
  ].join('\n');
  const p = (html: string) =>
    `<p style="margin:0 0 16px;font:15px/1.5 system-ui,sans-serif;color:#0f172a">${html}</p>`;
  const html = [
    '<!doctype html><html><body style="margin:0;padding:24px;background:#f8fafc">',
    '<div style="max-width:520px;margin:0 auto;padding:32px;background:#fff;border-radius:12px">',
    p(
      `${escapeHtml(caller)}${escapeHtml(agent)} called <strong>${escapeHtml(tool)}</strong> in ` +
        `${escapeHtml(workspace)}. The policy “${escapeHtml(policy)}” holds the call until someone approves it.`,
    ),
    ...(message ? [p(escapeHtml(message))] : []),
    `<p style="margin:24px 0"><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 18px;`,
    `background:#4f46e5;color:#fff;border-radius:8px;text-decoration:none;font:600 15px system-ui,sans-serif">`,
    'Review the request</a></p>',
    `<p style="margin:0;font:13px/1.5 system-ui,sans-serif;color:#64748b">The request expires on ` +
      `${escapeHtml(until)} if nobody decides.</p>`,
    '</div></body></html>',
  ].join('');
  return { kind: 'approval-request', to, subject, text, html, link };
}

/** How an announcement by email went: how many approvers were written to, and how many sends failed. */
export interface ApprovalMailResult {
  recipients: number;
  failed: number;
}

/**
 * Emails the request's approvers a link to the Approvals page (never the arguments). Only when
 * mail leaves the server: without SMTP nobody is told this way (the inbox shows the request).
 * Never throws: a failed send is logged and counted, and the request stands.
 */
export async function announceApprovalRequest(
  db: Executor,
  mail: ApprovalMailOptions,
  request: AnnouncedRequest,
): Promise<ApprovalMailResult> {
  if (!mail.mailer.delivers) return { recipients: 0, failed: 0 };
  let recipientsCount = 0;
  try {
    const [tenant] = await db
      .select({ slug: tenants.slug, name: tenants.name })
      .from(tenants)
      .where(eq(tenants.id, request.tenantId));
    if (!tenant) return { recipients: 0, failed: 0 };
    const link = publicLink(mail.publicWebUrl, `/t/${tenant.slug}/approvals?id=${request.id}`);
    const to = [...new Set(await recipients(db, request))];
    recipientsCount = to.length;
    const results = await Promise.allSettled(
      to.map((address) =>
        mail.mailer.send(approvalRequestMail({ to: address, link, workspace: tenant.name, request })),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0)
      mail.log?.warn({ approvalId: request.id, failed }, 'approval request email not sent to every approver');
    return { recipients: to.length, failed };
  } catch (err) {
    mail.log?.warn({ approvalId: request.id, err: (err as Error).message }, 'approval request email failed');
    return { recipients: recipientsCount, failed: Math.max(recipientsCount, 1) };
  }
}
