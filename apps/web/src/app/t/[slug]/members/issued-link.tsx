'use client';

import type { IssuedInvitation } from '@toolgate/api/schemas/invitations';
import { CopyableValue } from '~/components/copy-button';
import { Alert, Notice } from '~/components/ui/alert';

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/**
 * An invitation's link, shown once after it is issued: the database keeps only its hash. When no
 * email went out (no SMTP, or the relay refused) passing it on is up to the admin.
 */
export function IssuedLink({ invitation }: { invitation: IssuedInvitation }) {
  return (
    <div className="flex flex-col gap-4">
      {invitation.emailed ? (
        <Alert tone="success">
          We emailed an invitation to <strong className="font-semibold">{invitation.email}</strong>. You can
          also share the link below.
        </Alert>
      ) : (
        <Notice role="status">
          No email was sent (email delivery is not set up on this server, or it failed). Send this link to{' '}
          <strong className="font-semibold">{invitation.email}</strong> yourself.
        </Notice>
      )}
      <CopyableValue value={invitation.link} label="Copy invitation link" testId="invite-link" />
      <p className="text-sm text-slate-500">
        The link works once, for {invitation.email} only, until{' '}
        {dateFormat.format(new Date(invitation.expiresAt))}. It will not be shown again; resending the
        invitation makes a new one.
      </p>
    </div>
  );
}
