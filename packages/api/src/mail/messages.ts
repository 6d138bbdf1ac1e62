import type { MailMessage } from './mailer.ts';

/** The emails Toolgate sends: a plain-text part and a small, inline-styled HTML part. */

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

function html(paragraphs: string[], link: { href: string; label: string }, footer: string): string {
  const p = (text: string) =>
    `<p style="margin:0 0 16px;font:15px/1.5 system-ui,sans-serif;color:#0f172a">${text}</p>`;
  return [
    '<!doctype html><html><body style="margin:0;padding:24px;background:#f8fafc">',
    '<div style="max-width:520px;margin:0 auto;padding:32px;background:#fff;border-radius:12px">',
    ...paragraphs.map(p),
    `<p style="margin:24px 0"><a href="${escapeHtml(link.href)}" style="display:inline-block;padding:10px 18px;`,
    `background:#4f46e5;color:#fff;border-radius:8px;text-decoration:none;font:600 15px system-ui,sans-serif">`,
    `${escapeHtml(link.label)}</a></p>`,
    `<p style="margin:0;font:13px/1.5 system-ui,sans-serif;color:#64748b">${footer}</p>`,
    '</div></body></html>',
  ].join('');
}

export function passwordResetMail({
  to,
  link,
  validMinutes,
}: {
  to: string;
  link: string;
  validMinutes: number;
}): MailMessage {
  const subject = 'Reset your Toolgate password';
  const text = [
    'Someone (hopefully you) asked to reset the password of your Toolgate account.',
    '',
    `Choose a new password here (the link works once, for ${validMinutes} minutes):`,
    link,
    '',
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ].join('\n');
  return {
    kind: 'password-reset',
    to,
    subject,
    text,
    link,
    html: html(
      ['Someone (hopefully you) asked to reset the password of your Toolgate account.'],
      { href: link, label: 'Choose a new password' },
      `The link works once, for ${validMinutes} minutes. If you did not ask for this, ignore this email: ` +
        'your password stays as it is.',
    ),
  };
}

export function invitationMail({
  to,
  link,
  tenantName,
  inviterName,
  role,
  expiresAt,
}: {
  to: string;
  link: string;
  tenantName: string;
  /** Null when the inviter has no name (or no longer exists). */
  inviterName: string | null;
  role: string;
  expiresAt: Date;
}): MailMessage {
  const who = inviterName ?? 'A workspace admin';
  const article = role === 'admin' || role === 'owner' ? 'an' : 'a';
  const until = expiresAt.toUTCString();
  // Names are user input: one line in a header, whatever they contain.
  const subject = `${who} invited you to ${tenantName} on Toolgate`.replace(/\s+/g, ' ');
  const text = [
    `${who} invited you to join ${tenantName} on Toolgate as ${article} ${role}.`,
    '',
    'Accept the invitation here:',
    link,
    '',
    `The link is valid until ${until}. If you were not expecting this, ignore this email.`,
  ].join('\n');
  return {
    kind: 'invitation',
    to,
    subject,
    text,
    link,
    html: html(
      [
        `${escapeHtml(who)} invited you to join <strong>${escapeHtml(tenantName)}</strong> on Toolgate as ` +
          `${article} ${escapeHtml(role)}.`,
      ],
      { href: link, label: `Join ${tenantName}` },
      `The link is valid until ${escapeHtml(until)}. If you were not expecting this, ignore this email.`,
    ),
  };
}

export function emailVerificationMail({
  to,
  link,
  validHours,
}: {
  to: string;
  link: string;
  validHours: number;
}): MailMessage {
  const subject = 'Verify your email address for Toolgate';
  const text = [
    'Confirm that this is your email address to finish setting up your Toolgate account.',
    'Until you do, you can look around but not create API tokens, install servers or invite people.',
    '',
    `Verify your address here (the link works for ${validHours} hours):`,
    link,
    '',
    'If you did not create a Toolgate account, ignore this email.',
  ].join('\n');
  return {
    kind: 'email-verification',
    to,
    subject,
    text,
    link,
    html: html(
      [
        'Confirm that this is your email address to finish setting up your Toolgate account.',
        'Until you do, you can look around but not create API tokens, install servers or invite people.',
      ],
      { href: link, label: 'Verify email address' },
      `The link works for ${validHours} hours. If you did not create a Toolgate account, ignore this email.`,
    ),
  };
}

/** A remote server reported another version than before (drift): its admins are told. */
export function serverVersionChangeMail({
  to,
  link,
  tenantName,
  installationName,
  fromVersion: from,
  toVersion: version,
  seenAt,
}: {
  to: string;
  link: string;
  tenantName: string;
  installationName: string;
  fromVersion: string;
  toVersion: string;
  seenAt: Date;
}): MailMessage {
  // Versions come from the server, names from admins: one line each in a header.
  const subject = `${installationName} changed version in ${tenantName}: ${from} → ${version}`.replace(
    /\s+/g,
    ' ',
  );
  const when = seenAt.toUTCString();
  const text = [
    `The server behind ${installationName} in ${tenantName} now reports version ${version} (it reported ${from} before). Toolgate noticed on ${when}.`,
    '',
    'Its tool definitions were checked again: a changed definition waits for review on the Tool changes page.',
    '',
    'See the server here:',
    link,
  ].join('\n');
  return {
    kind: 'server-version-change',
    to,
    subject,
    text,
    link,
    html: html(
      [
        `The server behind <strong>${escapeHtml(installationName)}</strong> in ${escapeHtml(tenantName)} now ` +
          `reports version <strong>${escapeHtml(version)}</strong> (it reported ${escapeHtml(from)} before).`,
        'Its tool definitions were checked again: a changed definition waits for review on the Tool changes page.',
      ],
      { href: link, label: `See ${installationName}` },
      `Toolgate noticed on ${escapeHtml(when)}. A remote server's version cannot be pinned; this is how drift shows.`,
    ),
  };
}
