import type { MailMessage } from '../../mail/mailer.ts';

/** One quota warning: the 80% one, or the 100% one that says calls are now refused. */
export interface QuotaWarning {
  threshold: 80 | 100;
  workspace: string;
  used: number;
  limit: number;
  /** When the quota resets (the next UTC month). */
  resetsAt: Date;
  /** The workspace's usage page. */
  link: string;
}

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** Workspace names are chosen by people: one line in a subject whatever they contain. */
const oneLine = (value: string): string => value.replace(/\s+/g, ' ').trim();

const count = (n: number): string => n.toLocaleString('en-US');

/** The email to an owner or admin when the workspace's monthly tool calls reach 80% or 100% of the quota. */
export function quotaWarningMail({ to, warning }: { to: string; warning: QuotaWarning }): MailMessage {
  const { threshold, used, limit, resetsAt, link } = warning;
  const workspace = oneLine(warning.workspace);
  const reset = resetsAt.toUTCString();
  const numbers = `${count(used)} of ${count(limit)} tool calls this month`;
  const subject =
    threshold === 100
      ? `${workspace} reached its monthly tool-call quota`
      : `${workspace} used ${threshold}% of its monthly tool-call quota`;
  const lead =
    threshold === 100
      ? `${workspace} has used ${numbers}: its quota is reached. New tool calls are refused until the quota resets on ${reset}.`
      : `${workspace} has used ${numbers} (${threshold}% of its quota). The quota resets on ${reset}; once it is reached, new tool calls are refused until then.`;
  const next = 'Another plan, or a higher limit set for the workspace, raises the quota.';
  const text = [lead, '', next, '', 'See the usage of the workspace here:', link].join('\n');
  const p = (inner: string) =>
    `<p style="margin:0 0 16px;font:15px/1.5 system-ui,sans-serif;color:#0f172a">${inner}</p>`;
  const html = [
    '<!doctype html><html><body style="margin:0;padding:24px;background:#f8fafc">',
    '<div style="max-width:520px;margin:0 auto;padding:32px;background:#fff;border-radius:12px">',
    p(escapeHtml(lead)),
    p(escapeHtml(next)),
    `<p style="margin:24px 0"><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 18px;`,
    `background:#4f46e5;color:#fff;border-radius:8px;text-decoration:none;font:600 15px system-ui,sans-serif">`,
    'See usage</a></p>',
    '</div></body></html>',
  ].join('');
  return { kind: 'quota-warning', to, subject, text, html, link };
}
